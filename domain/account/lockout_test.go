package account_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func TestLockoutLocksAfterMaxFailuresForLockFor(t *testing.T) {
	t.Parallel()
	p := account.DefaultLockoutPolicy()
	var l account.Lockout
	for i := 1; i < p.MaxFailures; i++ {
		require.False(t, l.Fail(t0.Add(time.Duration(i)*time.Minute), p), "failure %d", i)
	}
	at := t0.Add(time.Duration(p.MaxFailures) * time.Minute)
	require.True(t, l.Fail(at, p), "the 5th failure locks")
	locked, left := l.Locked(at.Add(time.Minute))
	require.True(t, locked)
	require.Equal(t, p.LockFor-time.Minute, left)
	require.False(t, l.Fail(at.Add(time.Minute), p), "failures during a lock do not extend it")
	locked, _ = l.Locked(at.Add(p.LockFor))
	require.False(t, locked, "the lock ends after LockFor")

	// After the lock, counting starts afresh.
	require.False(t, l.Fail(at.Add(p.LockFor+time.Second), p))
	require.Equal(t, 1, l.Failures())
}

func TestLockoutForgetsOldFailures(t *testing.T) {
	t.Parallel()
	p := account.DefaultLockoutPolicy()
	var l account.Lockout
	for i := range p.MaxFailures - 1 {
		l.Fail(t0.Add(time.Duration(i)*time.Second), p)
	}
	later := t0.Add(p.Window + time.Hour)
	require.True(t, l.Expired(later, p))
	require.False(t, l.Fail(later, p), "a failure after a long pause starts a new count")
	require.Equal(t, 1, l.Failures())
}

func TestUserLoginState(t *testing.T) {
	t.Parallel()
	p := account.LockoutPolicy{MaxFailures: 2, Window: time.Hour, LockFor: time.Hour}
	u := account.HydrateUser(domain.NewID(t0), "a@example.com", "alice", "Alice", "h",
		account.Lockout{}, t0, t0)
	require.False(t, u.FailLogin(t0, p))
	require.True(t, u.FailLogin(t0.Add(time.Second), p))
	require.Equal(t, t0.Add(time.Second), u.UpdatedAt())
	locked, _ := u.Locked(t0.Add(time.Minute))
	require.True(t, locked)
	u.SucceedLogin(t0.Add(2 * time.Hour))
	require.True(t, u.Lockout().IsZero())
}
