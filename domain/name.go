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
// marks) nor line or paragraph separator (Zl, Zp), which would hide what a name says, reorder what
// is shown around it or break it over lines. Zero-width joiners and non-joiners are the exception
// between two visible characters, where they are part of how a name is written (Persian and Indic
// names, emoji sequences) — so "A\u200dB" is accepted: it shows as AB, and telling a meaningful
// joiner from a pointless one would take a script's shaping rules.
//
// A name must show something: one with nothing visible once the above, spaces, the other default
// ignorable code points (variation selectors, U+034F, …) and the characters that render as blanks
// (Hangul fillers U+115F, U+1160, U+3164, U+FFA0; braille blank U+2800) are left out is missing
// (required), not malformed. Those blanks are allowed inside a name that shows something: old
// Hangul is written with the Jamo fillers.
func CleanName(field, label, s string) (string, error) {
	bad := func(code, msg string) (string, error) { return "", Invalid(Violation(field, code, label+" "+msg)) }
	if !utf8.ValidString(s) {
		return bad("format", "must be valid UTF-8")
	}
	if strings.IndexFunc(s, shows) < 0 {
		return bad("required", "is required")
	}
	s = strings.TrimSpace(s)
	runes := []rune(s)
	for i, r := range runes {
		if !refused(r) {
			continue
		}
		joiner := (r == '\u200c' || r == '\u200d') && i > 0 && i < len(runes)-1 && visible(runes[i-1]) && visible(runes[i+1])
		if !joiner && !flagTag(runes, i) {
			return bad("format", "must not contain control or invisible formatting characters")
		}
	}
	return norm.NFC.String(s), nil
}

// flagTag reports whether runes[i] is a tag character (U+E0020–U+E007F) of an emoji tag sequence:
// the black flag U+1F3F4 followed by tag characters, as in the flags of England, Scotland and Wales.
func flagTag(runes []rune, i int) bool {
	for j := i; j >= 0; j-- {
		switch r := runes[j]; {
		case r == '\U0001F3F4':
			return j < i
		case r < 0xE0020 || r > 0xE007F:
			return false
		}
	}
	return false
}

// refused reports the characters a name may not hold: control and format characters (Unicode Cc,
// Cf) and line and paragraph separators (Zl, Zp).
func refused(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) }

// visible reports a character that may stand next to a joiner.
func visible(r rune) bool { return !refused(r) && !unicode.IsSpace(r) }

// shows reports a character that puts something on screen: not refused, not a space, not a
// default ignorable code point (Unicode DerivedCoreProperties: Cf, Other_Default_Ignorable_Code_Point,
// Variation_Selector), not a blank filler.
func shows(r rune) bool {
	switch r {
	case '\u115f', '\u1160', '\u3164', '\uffa0', '\u2800':
		return false
	}
	return visible(r) && !unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector)
}
