package proactivestoretest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// testNotifications: opting in and out is the person's own, idempotent both ways, and goes with
// their account.
func testNotifications(t *testing.T, e Env) {
	ctx := context.Background()
	ada, bea := e.NewUser(t), e.NewUser(t)
	on := func(id domain.ID) bool {
		t.Helper()
		ok, err := e.Store.NotificationsOn(ctx, id)
		require.NoError(t, err)
		return ok
	}
	require.False(t, on(ada), "off until asked for")
	require.NoError(t, e.Store.SetNotifications(ctx, ada, true, at(1)))
	require.NoError(t, e.Store.SetNotifications(ctx, ada, true, at(2)), "asking twice is fine")
	require.True(t, on(ada))
	require.False(t, on(bea), "one person's choice is theirs")
	require.NoError(t, e.Store.SetNotifications(ctx, ada, false, at(3)))
	require.NoError(t, e.Store.SetNotifications(ctx, ada, false, at(4)), "turning off twice is fine")
	require.False(t, on(ada))

	err := e.Store.SetNotifications(ctx, domain.NewID(at(5)), true, at(5))
	require.True(t, domain.IsKind(err, domain.KindNotFound), "an unknown user: %v", err)

	require.NoError(t, e.Store.SetNotifications(ctx, bea, true, at(6)))
	e.DeleteUser(t, bea)
	require.False(t, on(bea), "gone with the account")
}

// testPreferences: a person's quiet hours and cap are theirs, kept whole (a chosen "never quiet"
// is not "the hub's"), replaced whole, and go with their account.
func testPreferences(t *testing.T, e Env) {
	ctx := context.Background()
	ada, bea := e.NewUser(t), e.NewUser(t)
	get := func(id domain.ID) proactive.Preferences {
		t.Helper()
		p, err := e.Store.Preferences(ctx, id)
		require.NoError(t, err)
		return p
	}
	require.Equal(t, proactive.Preferences{}, get(ada), "the hub's until chosen")

	quiet, five := proactive.QuietHours{From: 23 * 60, To: 6*60 + 30}, 5
	both := proactive.Preferences{Quiet: &quiet, DailyCap: &five}
	require.NoError(t, e.Store.SetPreferences(ctx, ada, both, at(1)))
	require.Equal(t, both, get(ada))
	require.Equal(t, proactive.Preferences{}, get(bea), "one person's choice is theirs")

	never, zero := proactive.QuietHours{}, 0
	require.NoError(t, e.Store.SetPreferences(ctx, ada, proactive.Preferences{Quiet: &never, DailyCap: &zero}, at(2)))
	p := get(ada)
	require.NotNil(t, p.Quiet, "never quiet is a choice, not the hub's")
	require.Equal(t, never, *p.Quiet)
	require.NotNil(t, p.DailyCap, "a cap of 0 is a choice")
	require.Zero(t, *p.DailyCap)

	require.NoError(t, e.Store.SetPreferences(ctx, ada, proactive.Preferences{DailyCap: &five}, at(3)))
	require.Equal(t, proactive.Preferences{DailyCap: &five}, get(ada), "replaced whole: the quiet hours are the hub's again")
	require.NoError(t, e.Store.SetPreferences(ctx, ada, proactive.Preferences{}, at(4)))
	require.Equal(t, proactive.Preferences{}, get(ada))

	err := e.Store.SetPreferences(ctx, domain.NewID(at(5)), both, at(5))
	require.True(t, domain.IsKind(err, domain.KindNotFound), "an unknown user: %v", err)

	require.NoError(t, e.Store.SetPreferences(ctx, bea, both, at(6)))
	e.DeleteUser(t, bea)
	require.Equal(t, proactive.Preferences{}, get(bea), "gone with the account")
}
