package companion

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
)

// Bounds of SPEC §3.2 and of everything else a companion holds.
const (
	MaxNameLen      = 100
	MaxShortText    = 100  // archetype, occupation, speech style…
	MaxTagLen       = 40   // one tag
	MaxTags         = 32   // tags, list items, greetings
	MaxPhraseLen    = 100  // one item of a persona list (quirks, vulnerabilities…)
	MaxGarmentLen   = 60   // one garment of an outfit
	MaxSceneText    = 200  // location, action
	MaxLongText     = 8000 // descriptions, instructions, greetings, example dialogue
	MaxAppearance   = 2000 // the user's appearance
	MinAge          = 18
	MaxAge          = 10000 // elves and vampires; the floor is what matters
	MaxBookBytes    = 2 << 20
	MaxOpaqueBytes  = 1 << 20
	MaxTopBytes     = 256 << 10
	maxVoiceIDBytes = 100
)

// checker collects every violation of one input, so a client learns about all its mistakes at once.
type checker struct{ v []domain.FieldViolation }

func (c *checker) add(field, code, msg string) {
	c.v = append(c.v, domain.Violation(field, code, msg))
}

func (c *checker) err() error { return domain.Invalid(c.v...) }

// text trims s and checks it: required or not, at most max characters, no control characters
// except newlines and tabs when multiline.
func (c *checker) text(field, s string, max int, required, multiline bool) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		c.add(field, "required", "is required")
	case !utf8.ValidString(s):
		c.add(field, "format", "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		c.add(field, "too_long", fmt.Sprintf("must be at most %d characters", max))
	case strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r'))
	}):
		c.add(field, "format", "must not contain control characters")
	}
	return s
}

// list checks a list of short texts: at most MaxTags items of at most itemMax characters, blank items
// dropped, duplicates (ignoring case) dropped, order kept.
func (c *checker) list(field string, items []string, itemMax int) []string {
	if len(items) > MaxTags {
		c.add(field, "too_many", fmt.Sprintf("must have at most %d items", MaxTags))
		return nil
	}
	out := make([]string, 0, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		it = c.text(fmt.Sprintf("%s[%d]", field, i), it, itemMax, false, false)
		key := strings.ToLower(it)
		if it == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, it)
	}
	return out
}

// longList checks a list of long texts (greetings): at most MaxTags items of MaxLongText, blank items
// dropped, order and duplicates kept (two greetings may well be the same).
func (c *checker) longList(field string, items []string) []string {
	if len(items) > MaxTags {
		c.add(field, "too_many", fmt.Sprintf("must have at most %d items", MaxTags))
		return nil
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		if it = c.text(fmt.Sprintf("%s[%d]", field, i), it, MaxLongText, false, true); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// object checks opaque JSON that must be an object (or absent, nil) of at most max bytes. It is
// kept byte for byte: the hub does not model it, it only carries it.
func (c *checker) object(field string, raw []byte, max int) []byte {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return nil
	case len(raw) > max:
		c.add(field, "too_large", fmt.Sprintf("must be at most %d bytes of JSON", max))
	case !json.Valid(raw) || raw[0] != '{':
		c.add(field, "format", "must be a JSON object")
	default:
		return raw
	}
	return nil
}
