package proactivestoretest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
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
