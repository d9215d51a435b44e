// Package accountstoretest is the conformance suite for the account store port
// (usecase/account.Store). Every implementation runs it — the SQLite and PostgreSQL adapters here, and
// any store a team embedding the hub writes for its own database:
//
//	func TestAccountStore(t *testing.T) {
//		accountstoretest.Run(t, func(t *testing.T) account.Store { return newMyStore(t) })
//	}
//
// newStore must return an empty store private to t (subtests run in parallel).
package accountstoretest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// Run runs the whole suite.
func Run(t *testing.T, newStore func(t *testing.T) accountuc.Store) {
	t.Helper()
	tests := map[string]func(*testing.T, accountuc.Store){
		"UserRoundTrip":            testUserRoundTrip,
		"UserNotFound":             testUserNotFound,
		"UserUniqueness":           testUserUniqueness,
		"UserUpdate":               testUserUpdate,
		"TransactionCommits":       testTxCommits,
		"TransactionRollsBack":     testTxRollsBack,
		"GetForUpdateSerialises":   testGetForUpdateSerialises,
		"SessionRoundTrip":         testSessionRoundTrip,
		"SessionNeedsUser":         testSessionNeedsUser,
		"SessionListing":           testSessionListing,
		"SessionRevoke":            testSessionRevoke,
		"SessionRevokeAll":         testSessionRevokeAll,
		"SessionTouchAndCleanup":   testSessionTouchAndCleanup,
		"LockoutRoundTrip":         testLockoutRoundTrip,
		"LockoutFirstFailuresRace": testLockoutFirstFailuresRace,
		"AuditPagination":          testAuditPagination,
		"AuditDetailsAndAnonymous": testAuditDetails,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newStore(t))
		})
	}
}

// base is a fixed, microsecond-precise instant so round trips compare exactly.
var base = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.UTC)

var seq atomic.Int64

func newUser(t *testing.T, now time.Time) *account.User {
	t.Helper()
	n := seq.Add(1)
	email, err := account.NewEmail(fmt.Sprintf("Person%d@Example.com", n))
	require.NoError(t, err)
	name, err := account.NewUsername(fmt.Sprintf("person_%d", n))
	require.NoError(t, err)
	dn, err := account.NewDisplayName(fmt.Sprintf("Person «%d»", n))
	require.NoError(t, err)
	hash, err := account.NewPasswordHash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g")
	require.NoError(t, err)
	u, err := account.NewUser(domain.NewID(now), email, name, dn, hash, now)
	require.NoError(t, err)
	return u
}

func mustCreate(t *testing.T, s accountuc.Store, now time.Time) *account.User {
	t.Helper()
	u := newUser(t, now)
	require.NoError(t, s.Users().Create(context.Background(), u))
	return u
}

func requireSameUser(t *testing.T, want, got *account.User) {
	t.Helper()
	require.Equal(t, want.ID(), got.ID())
	require.Equal(t, want.Email(), got.Email())
	require.Equal(t, want.Username(), got.Username())
	require.Equal(t, want.DisplayName(), got.DisplayName())
	require.Equal(t, want.PasswordHash(), got.PasswordHash())
	require.Equal(t, want.Lockout().Failures(), got.Lockout().Failures())
	requireSameTime(t, want.Lockout().LastFailedAt(), got.Lockout().LastFailedAt())
	requireSameTime(t, want.Lockout().LockedUntil(), got.Lockout().LockedUntil())
	requireSameTime(t, want.CreatedAt(), got.CreatedAt())
	requireSameTime(t, want.UpdatedAt(), got.UpdatedAt())
}

// requireSameTime compares instants at the microsecond precision stores must keep.
func requireSameTime(t *testing.T, want, got time.Time) {
	t.Helper()
	if want.IsZero() {
		require.True(t, got.IsZero(), "want zero time, got %v", got)
		return
	}
	require.True(t, want.Truncate(time.Microsecond).Equal(got), "want %v, got %v", want, got)
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k, domain.KindOf(err), "error %v", err)
}

func testUserRoundTrip(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)

	got, err := s.Users().Get(ctx, u.ID())
	require.NoError(t, err)
	requireSameUser(t, u, got)

	byName, err := account.NewIdentifier(u.Username().String())
	require.NoError(t, err)
	got, err = s.Users().FindByLogin(ctx, byName)
	require.NoError(t, err)
	requireSameUser(t, u, got)

	byEmail, err := account.NewIdentifier("  " + u.Email().String() + " ")
	require.NoError(t, err)
	got, err = s.Users().FindByLogin(ctx, byEmail)
	require.NoError(t, err)
	requireSameUser(t, u, got)
}

func testUserNotFound(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	_, err := s.Users().Get(ctx, domain.NewID(base))
	requireKind(t, err, domain.KindNotFound)
	_, err = s.Users().GetForUpdate(ctx, domain.NewID(base))
	requireKind(t, err, domain.KindNotFound)
	ident, err := account.NewIdentifier("nobody@example.com")
	require.NoError(t, err)
	_, err = s.Users().FindByLogin(ctx, ident)
	requireKind(t, err, domain.KindNotFound)
	ghost := newUser(t, base)
	requireKind(t, s.Users().Update(ctx, ghost), domain.KindNotFound)
}

func testUserUniqueness(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	other := newUser(t, base)

	sameEmail := account.HydrateUser(other.ID(), u.Email().String(), other.Username().String(), "x",
		other.PasswordHash().String(), account.Lockout{}, base, base)
	err := s.Users().Create(ctx, sameEmail)
	requireKind(t, err, domain.KindConflict)
	require.ErrorIs(t, err, account.ErrAlreadyTaken)

	sameName := account.HydrateUser(other.ID(), other.Email().String(), u.Username().String(), "x",
		other.PasswordHash().String(), account.Lockout{}, base, base)
	err = s.Users().Create(ctx, sameName)
	require.ErrorIs(t, err, account.ErrAlreadyTaken)

	// Nothing of the refused users was kept.
	_, err = s.Users().Get(ctx, other.ID())
	requireKind(t, err, domain.KindNotFound)
}

func testUserUpdate(t *testing.T, s accountuc.Store) {
	ctx := context.Background()
	u := mustCreate(t, s, base)
	p := account.DefaultLockoutPolicy()
	now := base
	for range p.MaxFailures {
		now = now.Add(time.Second)
		u.FailLogin(now, p)
	}
	name, err := account.NewDisplayName("New Name")
	require.NoError(t, err)
	u.Rename(name, now)
	h, err := account.NewPasswordHash("$argon2id$v=19$m=19456,t=2,p=1$bmV3c2FsdA$bmV3aGFzaA")
	require.NoError(t, err)
	u.SetPasswordHash(h, now)
	require.NoError(t, s.Users().Update(ctx, u))

	got, err := s.Users().Get(ctx, u.ID())
	require.NoError(t, err)
	requireSameUser(t, u, got)
	locked, _ := got.Locked(now)
	require.True(t, locked)

	got.SucceedLogin(now.Add(time.Hour))
	require.NoError(t, s.Users().Update(ctx, got))
	again, err := s.Users().Get(ctx, u.ID())
	require.NoError(t, err)
	require.True(t, again.Lockout().IsZero())
}
