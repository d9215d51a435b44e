package domain_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
)

func TestCleanName(t *testing.T) {
	t.Parallel()
	code := func(s string) string {
		_, err := domain.CleanName("name", "name", s)
		if err == nil {
			return ""
		}
		v := domain.Violations(err)
		require.Len(t, v, 1, "%q", s)
		return v[0].Code
	}
	for s, want := range map[string]string{
		// Nothing that shows is a missing name.
		"":                "required",
		"  \t ":           "required",
		"\u3164":          "required", // Hangul filler
		"\u115f":          "required", // Hangul choseong filler
		"\u1160\u1160":    "required",
		"\uffa0":          "required", // half-width Hangul filler
		"\u2800":          "required", // braille blank
		"\u034f":          "required", // combining grapheme joiner (default ignorable)
		"\ufe0f":          "required", // a variation selector alone
		"\u200b":          "required",
		" \u3164 \u2800 ": "required",
		// Control, format and separator characters are refused.
		"Mi\u2028ka": "format", // line separator
		"Mi\u2029ka": "format", // paragraph separator
		"Mika\u2028": "",       // trimmed like any space at the ends
		"Mi\u202eka": "format",
		"Mi\u200bka": "format",
		"Mi\u0085ka": "format",
		"\u200dMika": "format", // a joiner joining nothing
		"\xff":       "format",
		// Names that show something.
		"Mika":                  "",
		"A\u200dB":              "", // a joiner between visible characters is how some scripts and emoji are written
		"👩\u200d❤\ufe0f\u200d👨": "",
		"❤\ufe0f":               "",
		"🌸":                     "",
		"\u1100\u1160":          "", // old Hangul: a choseong with the jungseong filler
		"Mi\u3164ka":            "",
		// The flag of England: the black flag, then tag characters ("gbeng") and the cancel tag.
		"\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F": "",
		"Mi\U000E0067ka": "format", // a tag character outside a flag hides text
		"\U000E0067":     "required",
	} {
		require.Equal(t, want, code(s), "%q", s)
	}
	got, err := domain.CleanName("name", "name", "  Cafe\u0301 ")
	require.NoError(t, err)
	require.Equal(t, "Café", got, "trimmed and NFC")
}
