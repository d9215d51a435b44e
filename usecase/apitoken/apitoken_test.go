package apitoken_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/hubtest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/apitoken"
)

// adaPassword is the password of the person the tests make tokens for.
const adaPassword = "plum-ferry-osmosis-42"

// The token use cases through the hub's own wiring on SQLite, with a clock the test moves.
func newHub(t *testing.T) (*core.Hub, *clocktest.Clock, domain.ID) {
	t.Helper()
	cfg := hubtest.Config(t)
	clock := clocktest.New(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	hub, err := core.New(context.Background(), cfg, zap.NewNop(), core.WithDatabase(sqlitetest.Open(t)), core.WithClock(clock))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	u, err := hub.Accounts.Register.Handle(context.Background(), accountuc.Register{Email: "ada@example.com", Username: "ada",
		DisplayName: "Ada", Password: adaPassword, ByAdmin: true})
	require.NoError(t, err)
	return hub, clock, u.ID()
}

func TestATokenLivesUntilItExpiresOrIsRevoked(t *testing.T) {
	t.Parallel()
	hub, clock, ada := newHub(t)
	ctx := context.Background()
	made, err := hub.Tokens.Create.Handle(ctx, apitoken.Create{UserID: ada, Name: " Phone ", Scope: apitoken.ScopeChat,
		ExpiresAt: clock.Now().Add(48 * time.Hour), Password: adaPassword, Meta: audit.Meta{IP: "203.0.113.7"}})
	require.NoError(t, err)
	require.True(t, apitoken.IsToken(made.Secret))
	require.Equal(t, "Phone", made.Token.Name)
	require.True(t, strings.HasPrefix(made.Secret, made.Token.Hint))

	got, err := hub.Tokens.Authenticate.Handle(ctx, apitoken.Authenticate{Secret: made.Secret})
	require.NoError(t, err)
	require.Equal(t, ada, got.UserID)
	require.Equal(t, clock.Now(), got.LastUsedAt)

	// Uses within a minute of the last recorded one are not written again.
	clock.Advance(30 * time.Second)
	_, err = hub.Tokens.Authenticate.Handle(ctx, apitoken.Authenticate{Secret: made.Secret})
	require.NoError(t, err)
	list, err := hub.Tokens.List.Handle(ctx, apitoken.List{UserID: ada})
	require.NoError(t, err)
	require.Equal(t, clock.Now().Add(-30*time.Second), list[0].LastUsedAt)

	other := "A"
	if strings.HasSuffix(made.Secret, other) {
		other = "B"
	}
	for _, bad := range []string{"", "chp_short", "chs_" + made.Secret[4:], made.Secret[:len(made.Secret)-1] + other} {
		_, err = hub.Tokens.Authenticate.Handle(ctx, apitoken.Authenticate{Secret: bad})
		require.ErrorIs(t, err, apitoken.ErrInvalid, "%q", bad)
	}

	clock.Advance(48 * time.Hour)
	_, err = hub.Tokens.Authenticate.Handle(ctx, apitoken.Authenticate{Secret: made.Secret})
	require.ErrorIs(t, err, apitoken.ErrInvalid, "expired")

	forever, err := hub.Tokens.Create.Handle(ctx, apitoken.Create{UserID: ada, Name: "Script", Scope: apitoken.ScopeFull, Password: adaPassword})
	require.NoError(t, err)
	_, err = hub.Tokens.Revoke.Handle(ctx, apitoken.Revoke{UserID: ada, ID: forever.Token.ID})
	require.NoError(t, err)
	_, err = hub.Tokens.Authenticate.Handle(ctx, apitoken.Authenticate{Secret: forever.Secret})
	require.ErrorIs(t, err, apitoken.ErrInvalid, "revoked")

	page, err := hub.Accounts.ListAudit.Handle(ctx, accountuc.ListAudit{UserID: ada, Page: domain.Page{Limit: 10}})
	require.NoError(t, err)
	var actions []string
	for _, e := range page.Events {
		actions = append(actions, e.Action.String())
		for k, v := range e.Details {
			require.NotContains(t, v, made.Secret[len(apitoken.Prefix):], "the secret is never audited (%s)", k)
			require.NotContains(t, v, forever.Secret[len(apitoken.Prefix):], "the secret is never audited (%s)", k)
		}
	}
	require.Subset(t, actions, []string{"token_create", "token_create", "token_revoke"})
}
