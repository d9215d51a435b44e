package companion_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func on(v bool) *bool { return &v }

// settingsEvents lists the owner's settings changes, newest first.
func (e *env) settingsEvents(t *testing.T, owner domain.ID) []audit.Event {
	t.Helper()
	events, _, err := e.store.Audit().ListByActor(context.Background(), owner, domain.Page{Limit: 50})
	require.NoError(t, err)
	var out []audit.Event
	for _, ev := range events {
		if ev.Action == audit.ActionCompanionSettings {
			out = append(out, ev)
		}
	}
	return out
}

func TestSettingsStartAtTheDefaultsAndChangeOnlyWhereAsked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	c := e.create(t, owner)

	s, err := e.app.GetSettings.Handle(ctx, companionuc.GetSettings{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, companion.Settings{Memory: true}, s)

	e.clock.Advance(time.Minute)
	s, err = e.app.UpdateSettings.Handle(ctx, companionuc.UpdateSettings{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: companion.SettingsChange{AutoImage: on(true), Memory: on(false)}})
	require.NoError(t, err)
	require.Equal(t, companion.Settings{AutoImage: true}, s)

	e.clock.Advance(time.Minute)
	s, err = e.app.UpdateSettings.Handle(ctx, companionuc.UpdateSettings{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: companion.SettingsChange{DeepThink: on(true)}})
	require.NoError(t, err)
	require.Equal(t, companion.Settings{AutoImage: true, DeepThink: true}, s, "what was not named stays")

	got, err := e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, s, got.Settings(), "the companion is read with its settings")
	require.Equal(t, e.clock.Now(), got.UpdatedAt(), "a change is an edit")
	require.Equal(t, fullSpec(), got.Profile().Spec(), "the profile is untouched")

	events := e.settingsEvents(t, owner)
	require.Len(t, events, 2)
	require.Equal(t, map[string]string{"name": "Mira Vale", "deep_think": "true"}, events[0].Details)
	require.Equal(t, map[string]string{"name": "Mira Vale", "auto_image": "true", "memory": "false"}, events[1].Details)
	require.Equal(t, c.ID().String(), events[0].ResourceID)
	require.Equal(t, meta.IP, events[0].IP)

	// Asking for what is already so changes, and records, nothing.
	e.clock.Advance(time.Minute)
	s, err = e.app.UpdateSettings.Handle(ctx, companionuc.UpdateSettings{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: companion.SettingsChange{AutoImage: on(true)}})
	require.NoError(t, err)
	require.Equal(t, companion.Settings{AutoImage: true, DeepThink: true}, s)
	got, err = e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, e.clock.Now().Add(-time.Minute), got.UpdatedAt())
	require.Len(t, e.settingsEvents(t, owner), 2)
}

func TestSettingsAreTheOwnersOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, stranger := e.user(t), e.user(t)
	ctx := context.Background()
	c := e.create(t, owner)
	_, err := e.app.GetSettings.Handle(ctx, companionuc.GetSettings{OwnerID: stranger, ID: c.ID()})
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.app.UpdateSettings.Handle(ctx, companionuc.UpdateSettings{OwnerID: stranger, ID: c.ID(), Meta: meta,
		Change: companion.SettingsChange{Voice: on(true)}})
	require.ErrorIs(t, err, companion.ErrNotFound)
	_, err = e.app.GetSettings.Handle(ctx, companionuc.GetSettings{OwnerID: owner, ID: domain.NewID(e.clock.Now())})
	require.ErrorIs(t, err, companion.ErrNotFound)

	s, err := e.app.GetSettings.Handle(ctx, companionuc.GetSettings{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, companion.DefaultSettings(), s, "the stranger changed nothing")
	require.Empty(t, e.settingsEvents(t, stranger))
}

func TestATrashedCompanionsSettingsAreReadOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	ctx := context.Background()
	c := e.create(t, owner)
	_, err := e.app.UpdateSettings.Handle(ctx, companionuc.UpdateSettings{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: companion.SettingsChange{Voice: on(true)}})
	require.NoError(t, err)
	_, err = e.app.Delete.Handle(ctx, companionuc.Delete{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)

	s, err := e.app.GetSettings.Handle(ctx, companionuc.GetSettings{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err, "the trash is readable")
	require.Equal(t, companion.Settings{Voice: true, Memory: true}, s)
	_, err = e.app.UpdateSettings.Handle(ctx, companionuc.UpdateSettings{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: companion.SettingsChange{Voice: on(false)}})
	require.ErrorIs(t, err, companion.ErrTrashed)
	requireKind(t, err, domain.KindConflict)
	s, err = e.app.GetSettings.Handle(ctx, companionuc.GetSettings{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.Equal(t, companion.Settings{Voice: true, Memory: true}, s, "unchanged")

	_, err = e.app.Restore.Handle(ctx, companionuc.Restore{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)
	s, err = e.app.UpdateSettings.Handle(ctx, companionuc.UpdateSettings{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: companion.SettingsChange{Voice: on(false)}})
	require.NoError(t, err)
	require.Equal(t, companion.DefaultSettings(), s)
}

// Settings changes share the owner's hourly allowance of edits (SPEC §3.1: settings changes 20 an
// hour per user), profile edits included.
func TestSettingsChangesAreRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *companionuc.Deps) { d.Policy.UpdateRule.Limit = ratelimit.Limit{Count: 2, Period: time.Hour} })
	owner := e.user(t)
	ctx := context.Background()
	c := e.create(t, owner)
	change := companionuc.UpdateSettings{OwnerID: owner, ID: c.ID(), Meta: meta, Change: companion.SettingsChange{Voice: on(true)}}
	_, err := e.app.UpdateSettings.Handle(ctx, change)
	require.NoError(t, err)
	_, err = e.app.Update.Handle(ctx, companionuc.Update{OwnerID: owner, ID: c.ID(), Meta: meta,
		Change: func(s companion.ProfileSpec) (companion.ProfileSpec, error) { return s, nil }})
	require.NoError(t, err)
	_, err = e.app.UpdateSettings.Handle(ctx, change)
	require.ErrorIs(t, err, ratelimit.ErrLimited)
	_, err = e.app.GetSettings.Handle(ctx, companionuc.GetSettings{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err, "reading is not limited")
}
