package companionstoretest

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

func testRoundTrip(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, owner, base)
	img := media.Image{Key: media.NewKey(media.PNG), ContentType: media.PNG, Bytes: 12345, Width: 800, Height: 600}
	c.SetHeader(img, base.Add(time.Second))
	require.NoError(t, e.Store.Companions().Create(ctx, c))
	got, err := e.Store.Companions().Get(ctx, owner, c.ID())
	require.NoError(t, err)
	requireSame(t, c, got)
	require.Equal(t, []string{"black apron", "white shirt"}, got.Scene().Outfit, "starts in the default outfit")
	require.Equal(t, companion.MoodNeutral, got.Scene().Mood)
	require.Equal(t, companion.Relationship{Affection: 50, Trust: 50}, got.Relationship())
	require.Contains(t, got.Profile().LockedIdentity(), "27 years old")

	// A profile with no card data and empty lists round-trips too.
	p, err := companion.NewProfile(companion.ProfileSpec{Name: "Minimal", Age: 18})
	require.NoError(t, err)
	m := companion.New(domain.NewID(base), owner, p, base)
	require.NoError(t, e.Store.Companions().Create(ctx, m))
	got, err = e.Store.Companions().Get(ctx, owner, m.ID())
	require.NoError(t, err)
	requireSame(t, m, got)
}

func testOwnerScoping(t *testing.T, e Env) {
	ctx := context.Background()
	owner, other := e.NewOwner(t), e.NewOwner(t)
	c := mustCreate(t, e, owner, base)
	_, err := e.Store.Companions().Get(ctx, other, c.ID())
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.Store.Companions().GetForUpdate(ctx, other, c.ID())
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.Store.Companions().Get(ctx, owner, domain.NewID(base))
	require.ErrorIs(t, err, companion.ErrNotFound)

	stolen := companion.Hydrate(c.ID(), other, c.Profile().Spec(), c.Scene(), c.Relationship(), c.Settings(),
		c.Header(), c.Visibility(), c.CreatedAt(), base, time.Time{})
	require.ErrorIs(t, e.Store.Companions().Update(ctx, stolen), companion.ErrNotFound, "another owner cannot update it")

	orphan := newCompanion(t, domain.NewID(base), base)
	requireKind(t, e.Store.Companions().Create(ctx, orphan), domain.KindNotFound)
	list, _, err := e.Store.Companions().List(ctx, other, false, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Empty(t, list)
}

func testUpdate(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := mustCreate(t, e, owner, base)
	spec := c.Profile().Spec()
	spec.Name, spec.Age, spec.Tags = "Renamed", 31, append(spec.Tags, "new tag")
	spec.Card.Extensions = []byte(`{"b":2,"a":1}`)
	p, err := companion.NewProfile(spec)
	require.NoError(t, err)
	c.Edit(p, base.Add(time.Hour))
	c.SetHeader(media.Image{Key: media.NewKey(media.JPEG), ContentType: media.JPEG, Bytes: 9, Width: 1, Height: 1}, base.Add(time.Hour))
	require.NoError(t, e.Store.Companions().Update(ctx, c))
	got, err := e.Store.Companions().Get(ctx, owner, c.ID())
	require.NoError(t, err)
	requireSame(t, c, got)
	c.SetHeader(media.Image{}, base.Add(2*time.Hour))
	require.NoError(t, e.Store.Companions().Update(ctx, c))
	got, err = e.Store.Companions().Get(ctx, owner, c.ID())
	require.NoError(t, err)
	require.True(t, got.Header().IsZero(), "a removed header stays removed")
}

// testScene stores every part of a scene, whether the person is there included, on create and on
// update.
func testScene(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, owner, base)
	require.False(t, c.Scene().UserPresent, "a new companion's person talks by message")
	present := companion.Scene{Outfit: []string{"red dress", "heels"}, Location: "café", Action: "sipping tea",
		Mood: companion.MoodPlayful, UserPresent: true}
	c.SetScene(present, base.Add(time.Second))
	require.NoError(t, e.Store.Companions().Create(ctx, c))
	got, err := e.Store.Companions().Get(ctx, owner, c.ID())
	require.NoError(t, err)
	require.Equal(t, present, got.Scene(), "created with the person there")

	for i, there := range []bool{false, true} {
		s := present
		s.UserPresent, s.Action = there, "waving "+strconv.Itoa(i)
		c.SetScene(s, base.Add(time.Duration(i+2)*time.Second))
		require.NoError(t, e.Store.Companions().Update(ctx, c))
		got, err = e.Store.Companions().GetForUpdate(ctx, owner, c.ID())
		require.NoError(t, err)
		require.Equal(t, s, got.Scene(), "updated to present=%v", there)
	}
}

func testList(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	var created []*companion.Companion
	for i := range 7 {
		created = append(created, mustCreate(t, e, owner, base.Add(time.Duration(i/2)*time.Minute))) // pairs share a timestamp
	}
	slices.SortFunc(created, func(a, b *companion.Companion) int {
		if c := b.CreatedAt().Compare(a.CreatedAt()); c != 0 {
			return c
		}
		return compareIDs(b.ID(), a.ID())
	})
	var want []domain.ID
	for _, c := range created {
		want = append(want, c.ID())
	}
	trashed := mustCreate(t, e, owner, base.Add(time.Hour))
	trashed.Delete(base.Add(2 * time.Hour))
	require.NoError(t, e.Store.Companions().Update(ctx, trashed))
	mustCreate(t, e, e.NewOwner(t), base)

	var got []domain.ID
	page := domain.Page{Limit: 3}
	for range 10 {
		items, next, err := e.Store.Companions().List(ctx, owner, false, page)
		require.NoError(t, err)
		for _, c := range items {
			got = append(got, c.ID())
		}
		if next.IsZero() {
			break
		}
		page.After = next
	}
	require.Equal(t, want, got, "newest first, ties broken by id, each once, no trashed or foreign ones")

	items, next, err := e.Store.Companions().List(ctx, owner, true, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.True(t, next.IsZero())
	require.Len(t, items, 1)
	require.Equal(t, trashed.ID(), items[0].ID())
	require.True(t, items[0].Deleted())
}

func testTrash(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	var trashed []*companion.Companion
	for i := range 5 {
		c := mustCreate(t, e, owner, base)
		c.Delete(base.Add(time.Duration(i%3) * time.Hour)) // some share a deletion time
		require.NoError(t, e.Store.Companions().Update(ctx, c))
		trashed = append(trashed, c)
	}
	mustCreate(t, e, owner, base) // live: never listed
	slices.SortFunc(trashed, func(a, b *companion.Companion) int {
		if c := a.DeletedAt().Compare(b.DeletedAt()); c != 0 {
			return c
		}
		return compareIDs(a.ID(), b.ID())
	})
	var got []domain.ID
	var after domain.Cursor
	for {
		batch, err := e.Store.Companions().ListTrashedBefore(ctx, base.Add(3*time.Hour), after, 2)
		require.NoError(t, err)
		for _, c := range batch {
			got = append(got, c.ID())
			after = domain.Cursor{At: c.DeletedAt(), ID: c.ID()}
		}
		if len(batch) < 2 {
			break
		}
	}
	var want []domain.ID
	for _, c := range trashed {
		want = append(want, c.ID())
	}
	require.Equal(t, want, got, "oldest deletion first, ties by id")

	batch, err := e.Store.Companions().ListTrashedBefore(ctx, base.Add(30*time.Minute), domain.Cursor{}, 10)
	require.NoError(t, err)
	require.Len(t, batch, 2, "only those deleted before the cutoff")
}

func compareIDs(a, b domain.ID) int {
	switch {
	case a.String() < b.String():
		return -1
	case a.String() > b.String():
		return 1
	}
	return 0
}

func testHardDelete(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := mustCreate(t, e, owner, base)
	it := media.Item{Key: media.NewKey(media.PNG), OwnerID: owner, CompanionID: c.ID(), Kind: media.KindHeader,
		ContentType: media.PNG, Bytes: 10, Width: 2, Height: 3, CreatedAt: base}
	require.NoError(t, e.Store.Media().Create(ctx, it))
	require.NoError(t, e.Store.Companions().Delete(ctx, c.ID()))
	_, err := e.Store.Companions().Get(ctx, owner, c.ID())
	require.ErrorIs(t, err, companion.ErrNotFound)
	got, err := e.Store.Media().Get(ctx, it.Key)
	require.NoError(t, err, "the file's record stays, unlinked, until its blob is cleaned up")
	require.True(t, got.CompanionID.IsZero())
}

func testRollback(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, owner, base)
	key := media.NewKey(media.JPEG)
	boom := errors.New("boom")
	err := e.Store.InTx(ctx, func(r companionuc.Repos) error {
		require.NoError(t, r.Companions().Create(ctx, c))
		require.NoError(t, r.Media().Create(ctx, media.Item{Key: key, OwnerID: owner, CompanionID: c.ID(),
			Kind: media.KindHeader, ContentType: media.JPEG, Bytes: 1, CreatedAt: base}))
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = e.Store.Companions().Get(ctx, owner, c.ID())
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.Store.Media().Get(ctx, key)
	requireKind(t, err, domain.KindNotFound)
}

func testConcurrentEdits(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := mustCreate(t, e, owner, base)
	const editors = 10
	var wg sync.WaitGroup
	errs := make(chan error, editors)
	for i := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- e.Store.InTx(ctx, func(r companionuc.Repos) error {
				got, err := r.Companions().GetForUpdate(ctx, owner, c.ID())
				if err != nil {
					return err
				}
				spec := got.Profile().Spec()
				spec.Persona.Interests = append(spec.Persona.Interests, "interest "+strconv.Itoa(i))
				p, err := companion.NewProfile(spec)
				if err != nil {
					return err
				}
				got.Edit(p, base)
				return r.Companions().Update(ctx, got)
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := e.Store.Companions().Get(ctx, owner, c.ID())
	require.NoError(t, err)
	require.Len(t, got.Profile().Spec().Persona.Interests, 2+editors, "no edit lost")
}
