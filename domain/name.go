package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CleanName is the rule of every name people read — an account's display name, a companion's name:
// it returns s trimmed and in Unicode NFC (so one name is one string however it was typed), or a
// violation of field, worded with label ("display name"). A name must be UTF-8 and hold no control
// or format character (Unicode Cc and Cf: zero-width spaces, bidi overrides such as U+202E, byte-order
// marks), which would hide what a name says or reorder what is shown around it; a name with nothing
// visible left once they are taken out is missing (required), not malformed. Zero-width joiners and
// non-joiners are the exception between two visible characters, where they are part of how a name
// is written (Persian and Indic names, emoji sequences).
func CleanName(field, label, s string) (string, error) {
	bad := func(code, msg string) (string, error) { return "", Invalid(Violation(field, code, label+" "+msg)) }
	if !utf8.ValidString(s) {
		return bad("format", "must be valid UTF-8")
	}
	if strings.TrimFunc(strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		return r
	}, s), unicode.IsSpace) == "" {
		return bad("required", "is required")
	}
	s = strings.TrimSpace(s)
	runes := []rune(s)
	for i, r := range runes {
		if !invisible(r) {
			continue
		}
		joiner := (r == '\u200c' || r == '\u200d') && i > 0 && i < len(runes)-1 && visible(runes[i-1]) && visible(runes[i+1])
		if !joiner {
			return bad("format", "must not contain control or invisible formatting characters")
		}
	}
	return norm.NFC.String(s), nil
}

// invisible reports control and format characters (Unicode Cc, Cf).
func invisible(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf) }

func visible(r rune) bool { return !invisible(r) && !unicode.IsSpace(r) }
