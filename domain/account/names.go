package account

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
)

// Email is a normalised e-mail address: trimmed and lower-cased, so that one mailbox is one account
// (the original stored emails as typed and could not log mixed-case addresses in by email).
type Email struct{ s string }

const maxEmailLen = 254

// NewEmail validates and normalises an address.
func NewEmail(s string) (Email, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	bad := func(code, msg string) (Email, error) {
		return Email{}, domain.Invalid(domain.Violation("email", code, msg))
	}
	if s == "" {
		return bad("required", "email is required")
	}
	if len(s) > maxEmailLen {
		return bad("too_long", "email must be at most 254 characters")
	}
	addr, err := mail.ParseAddress(s)
	at := strings.LastIndexByte(s, '@')
	if err != nil || addr.Address != s || at < 1 || at > 64 || !strings.Contains(s[at+1:], ".") ||
		strings.ContainsFunc(s, unicode.IsSpace) {
		return bad("format", "email must be an address like name@example.com")
	}
	return Email{s}, nil
}

func (e Email) String() string { return e.s }
func (e Email) IsZero() bool   { return e.s == "" }

// Username is 3–32 characters of [a-z0-9_]; input is lower-cased first.
type Username struct{ s string }

// NewUsername validates and normalises a username.
func NewUsername(s string) (Username, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	bad := func(code, msg string) (Username, error) {
		return Username{}, domain.Invalid(domain.Violation("username", code, msg))
	}
	switch {
	case s == "":
		return bad("required", "username is required")
	case len(s) < 3:
		return bad("too_short", "username must be at least 3 characters")
	case len(s) > 32:
		return bad("too_long", "username must be at most 32 characters")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return bad("format", "username may contain only letters a–z, digits and underscores")
		}
	}
	return Username{s}, nil
}

func (u Username) String() string { return u.s }
func (u Username) IsZero() bool   { return u.s == "" }

// DisplayName is what companions call the user: 1–64 characters, trimmed and NFC-normalised, no
// control or invisible formatting characters (domain.CleanName).
type DisplayName struct{ s string }

// NewDisplayName validates and normalises a display name.
func NewDisplayName(s string) (DisplayName, error) {
	s, err := domain.CleanName("display_name", "display name", s)
	if err != nil {
		return DisplayName{}, err
	}
	if utf8.RuneCountInString(s) > 64 {
		return DisplayName{}, domain.Invalid(domain.Violation("display_name", "too_long", "display name must be at most 64 characters"))
	}
	return DisplayName{s}, nil
}

func (d DisplayName) String() string { return d.s }

// Identifier is what a person types to log in: a username or an e-mail address, normalised the same
// way both are stored, so lookups are exact.
type Identifier struct{ s string }

// NewIdentifier normalises a login identifier; it only rejects what can never match an account.
func NewIdentifier(s string) (Identifier, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return Identifier{}, domain.Invalid(domain.Violation("identifier", "required", "username or email is required"))
	}
	if len(s) > maxEmailLen {
		return Identifier{}, domain.Invalid(domain.Violation("identifier", "too_long", "identifier is too long"))
	}
	return Identifier{s}, nil
}

func (i Identifier) String() string { return i.s }

// IsEmail reports whether the identifier is to be matched against e-mail addresses.
func (i Identifier) IsEmail() bool { return strings.Contains(i.s, "@") }
