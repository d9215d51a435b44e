package account

import (
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// User is a person with an account.
type User struct {
	id           domain.ID
	email        Email
	username     Username
	displayName  DisplayName
	passwordHash PasswordHash
	lockout      Lockout
	createdAt    time.Time
	updatedAt    time.Time
}

// NewUser creates a user from validated parts.
func NewUser(id domain.ID, email Email, username Username, name DisplayName, hash PasswordHash, now time.Time) (*User, error) {
	if id.IsZero() || email.IsZero() || username.IsZero() || name.s == "" || hash.IsZero() || now.IsZero() {
		return nil, domain.Errorf(domain.KindInternal, "new user: missing part")
	}
	return &User{id: id, email: email, username: username, displayName: name, passwordHash: hash,
		createdAt: now, updatedAt: now}, nil
}

// HydrateUser rebuilds a user from storage without validation. Only repositories call it.
func HydrateUser(id domain.ID, email, username, displayName, passwordHash string, lockout Lockout, createdAt, updatedAt time.Time) *User {
	return &User{id: id, email: Email{email}, username: Username{username}, displayName: DisplayName{displayName},
		passwordHash: PasswordHash{passwordHash}, lockout: lockout, createdAt: createdAt, updatedAt: updatedAt}
}

func (u *User) ID() domain.ID              { return u.id }
func (u *User) Email() Email               { return u.email }
func (u *User) Username() Username         { return u.username }
func (u *User) DisplayName() DisplayName   { return u.displayName }
func (u *User) PasswordHash() PasswordHash { return u.passwordHash }
func (u *User) Lockout() Lockout           { return u.lockout }
func (u *User) CreatedAt() time.Time       { return u.createdAt }
func (u *User) UpdatedAt() time.Time       { return u.updatedAt }

// Locked reports whether the account refuses logins at now, and for how much longer.
func (u *User) Locked(now time.Time) (bool, time.Duration) { return u.lockout.Locked(now) }

// FailLogin records a failed login and reports whether it locked the account.
func (u *User) FailLogin(now time.Time, p LockoutPolicy) bool {
	u.updatedAt = now
	return u.lockout.Fail(now, p)
}

// SucceedLogin clears the failed-login state.
func (u *User) SucceedLogin(now time.Time) {
	if !u.lockout.IsZero() {
		u.lockout.Reset()
		u.updatedAt = now
	}
}

// SetPasswordHash replaces the credential (after a password change or a rehash).
func (u *User) SetPasswordHash(h PasswordHash, now time.Time) {
	u.passwordHash = h
	u.updatedAt = now
}

// Rename changes the display name.
func (u *User) Rename(n DisplayName, now time.Time) {
	u.displayName = n
	u.updatedAt = now
}

// PasswordInputs lists the words of an identity a strength estimator should treat as guessable.
func PasswordInputs(email Email, username Username, name DisplayName) []string {
	var in []string
	if s := email.String(); s != "" {
		in = append(in, s)
		if at := strings.LastIndexByte(s, '@'); at > 0 {
			in = append(in, s[:at])
		}
	}
	for _, s := range []string{username.String(), name.String()} {
		if s != "" {
			in = append(in, s)
		}
	}
	return in
}
