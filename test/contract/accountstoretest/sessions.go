package accountstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

func newSession(t *testing.T, s accountuc.Store, userID domain.ID, now time.Time) (*account.Session, account.Token) {
	t.Helper()
	sess, tok := account.NewSession(domain.NewID(now), userID, now, account.DefaultSessionPolicy(), "Mozilla/5.0 (X11)", "2001:db8::1")
	require.NoError(t, s.Sessions().Create(context.Background(), sess))
	return sess, tok
}

func testSessionRoundTrip(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	sess, tok := newSession(t, s, u.ID(), base)

	got, err := s.Sessions().GetByTokenHash(ctx, tok.Hash())
	require.NoError(t, err)
	require.Equal(t, sess.ID(), got.ID())
	require.Equal(t, u.ID(), got.UserID())
	require.True(t, sess.TokenHash().Equal(got.TokenHash()))
	requireSameTime(t, sess.CreatedAt(), got.CreatedAt())
	requireSameTime(t, sess.LastSeenAt(), got.LastSeenAt())
	requireSameTime(t, sess.ExpiresAt(), got.ExpiresAt())
	require.False(t, got.Revoked())
	require.Equal(t, "Mozilla/5.0 (X11)", got.UserAgent())
	require.Equal(t, "2001:db8::1", got.IP())

	_, err = s.Sessions().GetByTokenHash(ctx, account.NewToken().Hash())
	requireKind(t, err, domain.KindNotFound)
}

func testSessionNeedsUser(t *testing.T, s accountuc.Store) {
	sess, _ := account.NewSession(domain.NewID(base), domain.NewID(base), base, account.DefaultSessionPolicy(), "", "")
	requireKind(t, s.Sessions().Create(context.Background(), sess), domain.KindNotFound)
}

func testSessionListing(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	other := mustCreate(t, s, base)
	older, _ := newSession(t, s, u.ID(), base)
	newer, _ := newSession(t, s, u.ID(), base.Add(time.Minute))
	revoked, _ := newSession(t, s, u.ID(), base.Add(2*time.Minute))
	require.NoError(t, s.Sessions().Revoke(ctx, u.ID(), revoked.ID(), base.Add(3*time.Minute)))
	newSession(t, s, other.ID(), base)

	list, err := s.Sessions().ListByUser(ctx, u.ID(), base.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, newer.ID(), list[0].ID())
	require.Equal(t, older.ID(), list[1].ID())

	// Sessions past their absolute expiry are not listed.
	list, err = s.Sessions().ListByUser(ctx, u.ID(), older.ExpiresAt().Add(time.Second))
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, newer.ID(), list[0].ID())
}

func testSessionRevoke(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	other := mustCreate(t, s, base)
	sess, tok := newSession(t, s, u.ID(), base)

	// Someone else's session id is as good as unknown.
	requireKind(t, s.Sessions().Revoke(ctx, other.ID(), sess.ID(), base), domain.KindNotFound)
	require.NoError(t, s.Sessions().Revoke(ctx, u.ID(), sess.ID(), base.Add(time.Second)))
	requireKind(t, s.Sessions().Revoke(ctx, u.ID(), sess.ID(), base.Add(2*time.Second)), domain.KindNotFound)

	got, err := s.Sessions().GetByTokenHash(ctx, tok.Hash())
	require.NoError(t, err)
	require.True(t, got.Revoked())
	requireSameTime(t, base.Add(time.Second), got.RevokedAt())
	require.False(t, got.Active(base.Add(time.Minute), account.DefaultSessionPolicy()))
}

func testSessionRevokeAll(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	other := mustCreate(t, s, base)
	keep, _ := newSession(t, s, u.ID(), base)
	newSession(t, s, u.ID(), base)
	newSession(t, s, u.ID(), base)
	otherSess, _ := newSession(t, s, other.ID(), base)

	n, err := s.Sessions().RevokeAll(ctx, u.ID(), keep.ID(), base.Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, 2, n)
	list, err := s.Sessions().ListByUser(ctx, u.ID(), base.Add(time.Minute))
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, keep.ID(), list[0].ID())

	n, err = s.Sessions().RevokeAll(ctx, u.ID(), domain.ID{}, base.Add(2*time.Second))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	list, err = s.Sessions().ListByUser(ctx, u.ID(), base.Add(time.Minute))
	require.NoError(t, err)
	require.Empty(t, list)

	// Other users are untouched.
	list, err = s.Sessions().ListByUser(ctx, other.ID(), base.Add(time.Minute))
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, otherSess.ID(), list[0].ID())
}

func testSessionTouchAndCleanup(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	sess, tok := newSession(t, s, u.ID(), base)
	require.NoError(t, s.Sessions().Touch(ctx, sess.ID(), base.Add(time.Hour)))
	// Touch never moves last-seen backwards (concurrent requests may arrive out of order).
	require.NoError(t, s.Sessions().Touch(ctx, sess.ID(), base.Add(time.Minute)))
	got, err := s.Sessions().GetByTokenHash(ctx, tok.Hash())
	require.NoError(t, err)
	requireSameTime(t, base.Add(time.Hour), got.LastSeenAt())

	dead, deadTok := newSession(t, s, u.ID(), base)
	require.NoError(t, s.Sessions().Revoke(ctx, u.ID(), dead.ID(), base.Add(time.Second)))
	n, err := s.Sessions().DeleteDead(ctx, base.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = s.Sessions().GetByTokenHash(ctx, deadTok.Hash())
	requireKind(t, err, domain.KindNotFound)
	_, err = s.Sessions().GetByTokenHash(ctx, tok.Hash())
	require.NoError(t, err)
}

func testLockoutRoundTrip(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	key := "login:" + domain.NewID(base).String()
	l, err := s.Lockouts().Get(ctx, key)
	require.NoError(t, err)
	require.True(t, l.IsZero())

	p := account.DefaultLockoutPolicy()
	for i := range p.MaxFailures {
		l.Fail(base.Add(time.Duration(i)*time.Second), p)
	}
	require.NoError(t, s.Lockouts().Put(ctx, key, l))
	require.NoError(t, s.Lockouts().Put(ctx, key, l)) // upsert
	got, err := s.Lockouts().Get(ctx, key)
	require.NoError(t, err)
	require.Equal(t, l.Failures(), got.Failures())
	requireSameTime(t, l.LastFailedAt(), got.LastFailedAt())
	requireSameTime(t, l.LockedUntil(), got.LockedUntil())

	// Still locked: not idle.
	n, err := s.Lockouts().DeleteIdle(ctx, l.LastFailedAt().Add(time.Minute))
	require.NoError(t, err)
	require.Zero(t, n)
	n, err = s.Lockouts().DeleteIdle(ctx, l.LockedUntil().Add(time.Second))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err = s.Lockouts().Get(ctx, key)
	require.NoError(t, err)
	require.True(t, got.IsZero())

	require.NoError(t, s.Lockouts().Put(ctx, key, l))
	require.NoError(t, s.Lockouts().Put(ctx, key, account.Lockout{}))
	got, err = s.Lockouts().Get(ctx, key)
	require.NoError(t, err)
	require.True(t, got.IsZero())
}
