package account

import "time"

// LockoutPolicy says when repeated login failures lock an account. Failures are counted twice:
//
//   - per account and client address: MaxFailures failures from one address, each less than Window
//     after the previous one, lock the account for LockFor — for that address only (SPEC §3.1:
//     5 failures → 30 minutes);
//   - per account across all addresses: MaxAccountFailures failures, counted the same way, lock it
//     for LockFor from everywhere.
//
// The trade-off: a lock for everyone is a lever anyone can pull — with five guesses, anybody could
// shut anybody out. Counting per address keeps the owner in while one address guesses; the
// account-wide threshold still stops guessing spread over many addresses (a botnet), at the price
// that such an attack, MaxAccountFailures guesses strong, does lock the owner out for LockFor.
// Rate limits (login per address and identifier, per address) bound how fast either count grows.
type LockoutPolicy struct {
	MaxFailures        int
	MaxAccountFailures int
	Window             time.Duration
	LockFor            time.Duration
}

// DefaultLockoutPolicy is the policy of SPEC §3.1, with 50 failures from anywhere locking the
// account for everyone.
func DefaultLockoutPolicy() LockoutPolicy {
	return LockoutPolicy{MaxFailures: 5, MaxAccountFailures: 50, Window: 30 * time.Minute, LockFor: 30 * time.Minute}
}

// AcrossAddresses is the policy of the account-wide count: MaxAccountFailures failures lock.
func (p LockoutPolicy) AcrossAddresses() LockoutPolicy {
	p.MaxFailures = p.MaxAccountFailures
	return p
}

// Lockout is the failed-login state of one login target: an account (the count across addresses)
// or an account seen from one client address. Identifiers that match no account carry the same
// two, so that both behave identically and a lockout reveals nothing.
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
