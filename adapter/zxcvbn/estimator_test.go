package zxcvbn

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	zx "github.com/trustelem/zxcvbn"

	"github.com/companionhub/companionhub/test/contract/passwordcheckertest"
)

func TestConformance(t *testing.T) {
	t.Run("Strength", func(t *testing.T) { passwordcheckertest.RunStrength(t, New()) })
	t.Run("Common", func(t *testing.T) { passwordcheckertest.RunCommon(t, New(), "iloveyou") })
}

func TestIsCommon(t *testing.T) {
	e := New()
	for _, pw := range []string{"123456", "password", "PassWord", "qwertyuiop", "trustno1", "baseball"} {
		assert.True(t, e.IsCommon(pw), pw)
	}
	for _, pw := range []string{"", "password ", " password", "velvet-orbit-cactus-mingle"} {
		assert.False(t, e.IsCommon(pw), pw)
	}
}

// The library's own scores for the passwords libraries.md checked against the JavaScript reference.
func TestScoresMatchReference(t *testing.T) {
	for pw, want := range map[string]int{"P@ssw0rd1": 1, "iloveyou2024": 1, "Tr0ub4dour&3": 2, "correct horse battery staple": 4} {
		assert.Equal(t, want, New().Estimate(pw, nil).Score, pw)
	}
}

func TestFeedback(t *testing.T) {
	tests := []struct {
		pw, inputs     string
		warning        string // substring of the warning; "" means none
		suggestion     string // substring of one suggestion
		noSuggestionOf string
	}{
		{pw: "password", warning: "10 most common", suggestion: "Add another word"},
		{pw: "trustno1", warning: "100 most common"},
		{pw: "sunflower", warning: "very common password"},
		{pw: "P@ssw0rd1234", warning: "close to a very common", suggestion: "Look-alike"},
		{pw: "Monkeybusiness", warning: "Common words", suggestion: "Add another word"},
		{pw: "Jennifer", warning: "name or surname on its own", suggestion: "Capitalising"},
		{pw: "JENNIFER", suggestion: "All capitals"},
		{pw: "jenniferjohnson", warning: "Common names"},
		{pw: "dictionary", warning: "single word"},
		{pw: "tnahpelegiraffe", suggestion: "backwards"},
		{pw: "wsxcderfv", warning: "Short keyboard patterns", suggestion: "patterns on the keyboard"},
		{pw: "qwertyuiop[]", warning: "Straight rows"},
		{pw: "aaaaaaaaaaaa", warning: `Repeated characters`, suggestion: "repeated"},
		{pw: "xkqxkqxkqxkq", warning: `Repeating a group`},
		{pw: "abcdefghijkl", warning: "Sequences", suggestion: "in order"},
		{pw: "x!2019", warning: "Recent years"},
		{pw: "13.05.1987", warning: "Dates", suggestion: "dates"},
		{pw: "zorvathquimbleton", inputs: "Zorvath Quimbleton", warning: "your name", suggestion: "Leave out your name"},
		{pw: "quimbletontrumpet", inputs: "Zorvath Quimbleton", suggestion: "Leave out your name"},
		{pw: "correct horse battery staple", noSuggestionOf: "Add another word"},
	}
	e := New()
	for _, tt := range tests {
		t.Run(tt.pw, func(t *testing.T) {
			var inputs []string
			if tt.inputs != "" {
				inputs = []string{tt.inputs}
			}
			s := e.Estimate(tt.pw, inputs)
			if tt.warning != "" {
				assert.Contains(t, s.Warning, tt.warning)
			}
			if tt.suggestion != "" {
				assert.True(t, containsSub(s.Suggestions, tt.suggestion), "suggestions %q lack %q", s.Suggestions, tt.suggestion)
			}
			if tt.noSuggestionOf != "" {
				assert.False(t, containsSub(s.Suggestions, tt.noSuggestionOf))
				assert.Empty(t, s.Warning)
			}
		})
	}
}

func containsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestAnalysedPrefix(t *testing.T) {
	plain := strings.Repeat("ab", 70) // no l33t symbols: the full 100 runes
	assert.Equal(t, plain[:100], analysedPrefix(plain))
	short := "café au lait"
	assert.Equal(t, short, analysedPrefix(short))
	wide := strings.Repeat("é", 128)
	assert.Equal(t, 100, utf8.RuneCountInString(analysedPrefix(wide)), "cut on runes, not bytes")

	// Every l33t symbol early on: the prefix shrinks to the floor.
	heavy := strings.Repeat("4@8({[<3691!|17$5+%2", 7)
	assert.Equal(t, minAnalysedRunes, utf8.RuneCountInString(analysedPrefix(heavy)))
	some := strings.Repeat("1|!7", 32) // 9 tables: between the two
	n := utf8.RuneCountInString(analysedPrefix(some))
	assert.Greater(t, n, minAnalysedRunes)
	assert.Less(t, n, maxAnalysedRunes)
	assert.LessOrEqual(t, 9*n*n, costBudget)

	assert.Equal(t, "ab\xffcd", analysedPrefix("ab\xffcd"), "invalid UTF-8 passes through")
}

func TestTailIsIgnored(t *testing.T) {
	e := New()
	head := "Kx9#mQ2vL7pW" + strings.Repeat("tree", 22) // 100 runes
	for _, tail := range []string{"password", "aaaaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		assert.Equal(t, e.Estimate(head, nil), e.Estimate(head+tail, nil), "only the first 100 runes count")
	}
}

func TestL33tTablesTrackTheLibrary(t *testing.T) {
	// If the library's table changes, the cost model must too: every symbol we list must make
	// the library find a l33t match for a word that needs it.
	const word = "blacksmithgazebox" // has every letter of the table
	for letter, symbols := range l33tSymbols {
		require.Contains(t, word, string(letter))
		for _, sym := range symbols {
			pw := strings.Replace(word, string(letter), string(sym), 1)
			found := false
			for _, m := range zx.PasswordStrength(pw, []string{word}).Sequence {
				found = found || m.L33t
			}
			assert.True(t, found, "%c for %c", sym, letter)
		}
	}
}

func TestUserWords(t *testing.T) {
	got := userWords([]string{"Ada Lovelace", "ada.lovelace+hub@analytical-engine.co.uk", "  ", "al", "ADA LOVELACE"})
	assert.Equal(t, []string{
		"ada lovelace", "ada", "lovelace",
		"ada.lovelace+hub@analytical-engine.co.uk", "ada.lovelace+hub", "hub", "analytical", "engine",
	}, got)
	many := make([]string, 40)
	for i := range many {
		many[i] = strings.Repeat(string(rune('a'+i%26)), 3+i)
	}
	assert.Len(t, userWords(many), maxInputs)
}

// BenchmarkEstimate shows what one registration costs: an ordinary password, the longest one the
// policy allows, and the worst case for the l33t matcher.
func BenchmarkEstimate(b *testing.B) {
	inputs := []string{"Ada Lovelace", "ada@example.com"}
	for name, pw := range map[string]string{
		"ordinary":   "Tr0ub4dour&3 horse",
		"128 runes":  strings.Repeat("correct horse ", 10)[:128],
		"l33t worst": strings.Repeat("4@8({[<3691!|17$5+%2", 7),
		"l33t some":  strings.Repeat("1|!7", 32),
	} {
		b.Run(name, func(b *testing.B) {
			e := New()
			for b.Loop() {
				e.Estimate(pw, inputs)
			}
		})
	}
}
