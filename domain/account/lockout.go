package account

import "time"

// LockoutPolicy says when repeated login failures lock an account: MaxFailures failures, each less
// than Window after the previous one, lock it for LockFor. SPEC §3.1: 5 failures → 30 minutes.
type LockoutPolicy struct {
	MaxFailures int
	Window      time.Duration
	LockFor     time.Duration
}

// DefaultLockoutPolicy is the policy of SPEC §3.1.
func DefaultLockoutPolicy() LockoutPolicy {
	return LockoutPolicy{MaxFailures: 5, Window: 30 * time.Minute, LockFor: 30 * time.Minute}
}

// Lockout is the failed-login state of one login target. Users carry one; identifiers that match no
// account carry one too, so that both behave identically and a lockout reveals nothing.
type Lockout struct {
	failures     int
	lastFailedAt time.Time
	lockedUntil  time.Time
}

// HydrateLockout rebuilds a lockout from storage. Only repositories call it.
func HydrateLockout(failures int, lastFailedAt, lockedUntil time.Time) Lockout {
	return Lockout{failures: failures, lastFailedAt: lastFailedAt, lockedUntil: lockedUntil}
}

func (l Lockout) Failures() int           { return l.failures }
func (l Lockout) LastFailedAt() time.Time { return l.lastFailedAt }
func (l Lockout) LockedUntil() time.Time  { return l.lockedUntil }

// IsZero reports whether nothing has been recorded (or everything was cleared).
func (l Lockout) IsZero() bool { return l == Lockout{} }

// Locked reports whether logins are refused at now, and for how much longer.
func (l Lockout) Locked(now time.Time) (bool, time.Duration) {
	if now.Before(l.lockedUntil) {
		return true, l.lockedUntil.Sub(now)
	}
	return false, 0
}

// Fail records a failed login at now and reports whether this failure locked the target.
func (l *Lockout) Fail(now time.Time, p LockoutPolicy) bool {
	if locked, _ := l.Locked(now); locked {
		return false
	}
	if !l.lockedUntil.IsZero() || (l.failures > 0 && now.Sub(l.lastFailedAt) >= p.Window) {
		// A served lock or a long pause starts a fresh count.
		l.failures = 0
		l.lockedUntil = time.Time{}
	}
	l.failures++
	l.lastFailedAt = now
	if l.failures >= p.MaxFailures {
		l.lockedUntil = now.Add(p.LockFor)
		return true
	}
	return false
}

// Reset clears the state after a successful login.
func (l *Lockout) Reset() { *l = Lockout{} }

// Expired reports whether the state no longer affects anything at now and may be forgotten.
func (l Lockout) Expired(now time.Time, p LockoutPolicy) bool {
	locked, _ := l.Locked(now)
	return !locked && now.Sub(l.lastFailedAt) >= p.Window
}
