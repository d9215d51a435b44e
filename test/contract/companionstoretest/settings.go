package companionstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// testSettings stores a companion's settings on create and on update, every combination of them
// included, and reads them back from every read (Get, GetForUpdate, List, ListTrashedBefore).
func testSettings(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := mustCreate(t, e, owner, base)
	got, err := e.Store.Companions().Get(ctx, owner, c.ID())
	require.NoError(t, err)
	require.Equal(t, companion.DefaultSettings(), got.Settings(), "a new companion has the defaults")

	for i := range 16 { // every combination of the four
		bit := func(n int) *bool { v := i&(1<<n) != 0; return &v }
		ch := companion.SettingsChange{AutoImage: bit(0), Voice: bit(1), Memory: bit(2), DeepThink: bit(3)}
		want := companion.Settings{}.Apply(ch)
		err := e.Store.InTx(ctx, func(r companionuc.Repos) error {
			c, err := r.Companions().GetForUpdate(ctx, owner, c.ID())
			if err != nil {
				return err
			}
			if _, err := c.ChangeSettings(ch, base.Add(time.Duration(i+1)*time.Minute)); err != nil {
				return err
			}
			return r.Companions().Update(ctx, c)
		})
		require.NoError(t, err)
		got, err := e.Store.Companions().GetForUpdate(ctx, owner, c.ID())
		require.NoError(t, err)
		require.Equal(t, want, got.Settings(), "combination %04b", i)
		require.Equal(t, c.Profile().Spec().Name, got.Profile().Spec().Name, "nothing else moved")
	}

	// Created with settings other than the defaults, they are kept from the first write.
	m := newCompanion(t, owner, base.Add(time.Hour))
	yes, no := true, false
	_, err = m.ChangeSettings(companion.SettingsChange{AutoImage: &yes, Memory: &no}, base.Add(time.Hour))
	require.NoError(t, err)
	require.NoError(t, e.Store.Companions().Create(ctx, m))
	want := companion.Settings{AutoImage: true}
	got, err = e.Store.Companions().Get(ctx, owner, m.ID())
	require.NoError(t, err)
	require.Equal(t, want, got.Settings())
	requireSame(t, m, got)

	items, _, err := e.Store.Companions().List(ctx, owner, false, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Len(t, items, 2)
	require.Equal(t, want, items[0].Settings(), "listing reads them too")

	m.Delete(base.Add(2 * time.Hour))
	require.NoError(t, e.Store.Companions().Update(ctx, m))
	trashed, err := e.Store.Companions().ListTrashedBefore(ctx, base.Add(3*time.Hour), domain.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, trashed, 1)
	require.Equal(t, want, trashed[0].Settings(), "a trashed companion keeps its settings")
}
