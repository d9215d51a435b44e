package account

import (
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
)

// Password length bounds, in characters (not bytes), per SPEC §3.1.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// MinPasswordScore is the lowest acceptable strength on the zxcvbn scale (0–4).
const MinPasswordScore = 3

// CheckPasswordShape applies the rules that need no estimator: valid UTF-8 and 12–128 characters.
// field names the input ("password", "new_password") for the violation.
func CheckPasswordShape(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		return domain.Invalid(domain.Violation(field, "required", "password is required"))
	case !utf8.ValidString(pw):
		return domain.Invalid(domain.Violation(field, "format", "password must be valid UTF-8"))
	case n < MinPasswordLen:
		return domain.Invalid(domain.Violation(field, "too_short", "password must be at least 12 characters"))
	case n > MaxPasswordLen:
		return domain.Invalid(domain.Violation(field, "too_long", "password must be at most 128 characters"))
	}
	return nil
}

// PasswordHash is an encoded password hash (for example a PHC string). Only a hasher interprets it.
type PasswordHash struct{ s string }

// NewPasswordHash wraps an encoded hash produced by a hasher or read from storage.
func NewPasswordHash(encoded string) (PasswordHash, error) {
	if encoded == "" {
		return PasswordHash{}, domain.Errorf(domain.KindInternal, "empty password hash")
	}
	return PasswordHash{encoded}, nil
}

func (h PasswordHash) String() string { return h.s }
func (h PasswordHash) IsZero() bool   { return h.s == "" }

// minPersonalLen is the shortest username or mailbox name a password is checked for: shorter ones
// occur inside ordinary words too often to mean anything.
const minPersonalLen = 4

// CheckPasswordPersonal refuses a password that contains the person's username or the name part of
// their e-mail address (NIST SP 800-63B: context-specific words). Case is ignored.
func CheckPasswordPersonal(field, pw string, email Email, username Username) error {
	lower := strings.ToLower(pw)
	local, _, _ := strings.Cut(email.String(), "@")
	for _, w := range []string{username.String(), local} {
		if len(w) >= minPersonalLen && strings.Contains(lower, w) {
			return domain.Invalid(domain.Violation(field, "personal", "password must not contain your username or e-mail address"))
		}
	}
	return nil
}
