package account_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	a, b := account.NewToken(), account.NewToken()
	require.NotEqual(t, a.String(), b.String())
	require.True(t, strings.HasPrefix(a.String(), account.TokenPrefix))
	back, err := account.ParseToken(a.String())
	require.NoError(t, err)
	require.True(t, back.Hash().Equal(a.Hash()))
	require.False(t, a.Hash().Equal(b.Hash()))
	require.Len(t, a.Hash().String(), 64)
	require.NotContains(t, a.Hash().String(), strings.TrimPrefix(a.String(), account.TokenPrefix))
	for _, bad := range []string{"", "chs_", "xyz_" + strings.TrimPrefix(a.String(), account.TokenPrefix),
		a.String() + "A", account.TokenPrefix + strings.Repeat("!", 43)} {
		_, err := account.ParseToken(bad)
		require.ErrorIs(t, err, account.ErrBadCredentials, bad)
	}
}

func TestSessionLifetime(t *testing.T) {
	t.Parallel()
	p := account.SessionPolicy{TTL: 10 * time.Hour, IdleTimeout: 2 * time.Hour}
	s, tok := account.NewSession(domain.NewID(t0), domain.NewID(t0), t0, p, strings.Repeat("é", 300), "192.0.2.1")
	require.True(t, s.TokenHash().Equal(tok.Hash()))
	require.LessOrEqual(t, len(s.UserAgent()), 256)
	require.True(t, strings.HasPrefix(strings.Repeat("é", 300), s.UserAgent()), "clipped on a character boundary")
	require.True(t, s.Active(t0.Add(time.Hour), p))
	require.False(t, s.Active(t0.Add(2*time.Hour), p), "idle too long")
	require.False(t, s.NeedsTouch(t0.Add(30*time.Second)))
	require.True(t, s.NeedsTouch(t0.Add(time.Minute)))

	touched := account.HydrateSession(s.ID(), s.UserID(), s.TokenHash(), s.CreatedAt(), t0.Add(9*time.Hour), s.ExpiresAt(),
		time.Time{}, "", "")
	require.True(t, touched.Active(t0.Add(9*time.Hour+time.Minute), p))
	require.False(t, touched.Active(t0.Add(10*time.Hour), p), "absolute expiry wins over recent use")

	revoked := account.HydrateSession(s.ID(), s.UserID(), s.TokenHash(), s.CreatedAt(), t0, s.ExpiresAt(), t0, "", "")
	require.False(t, revoked.Active(t0, p))
}
