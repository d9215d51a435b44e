// Package zxcvbn estimates password strength with github.com/trustelem/zxcvbn, a complete Go port
// of Dropbox's zxcvbn 4.4.2, and recognises the most common passwords with the list that library
// ships. Everything is offline: no password leaves the process.
package zxcvbn

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	zx "github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/frequency"

	accountuc "github.com/companionhub/companionhub/usecase/account"
)

var (
	_ accountuc.StrengthEstimator = (*Estimator)(nil)
	_ accountuc.CommonPasswords   = (*Estimator)(nil)
)

// Estimator implements StrengthEstimator and CommonPasswords. It has no state and is safe for
// concurrent use.
type Estimator struct{}

// New returns an Estimator.
func New() *Estimator { return &Estimator{} }

// Estimate scores password on zxcvbn's 0–4 scale, treating the user's own inputs (name, username,
// e-mail address…) as words an attacker knows, and explains a weak score (below 3) with a warning
// and suggestions derived from the patterns found.
//
// Only a prefix of the password is analysed (see analysedPrefix): the rest counts as if it were
// random characters appended, so it can never make the estimate weaker, and a client cannot make
// one estimate cost seconds of CPU.
func (e *Estimator) Estimate(password string, inputs []string) accountuc.Strength {
	r := zx.PasswordStrength(analysedPrefix(password), userWords(inputs))
	f := adviseOn(r.Score, r.Sequence)
	return accountuc.Strength{Score: r.Score, Warning: f.warning, Suggestions: f.suggestions}
}

// IsCommon reports whether password, ignoring case, is on the offline list shipped with the hub:
// the 30 000 most common passwords of zxcvbn's corpus (leaked-password frequency lists), which
// the library embeds, so the list needs no file or download.
func (e *Estimator) IsCommon(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(password)]
	return ok
}

// commonPasswords builds the lookup set on first use, so importing the package costs nothing.
// The list is already lower case.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	list := frequency.FrequencyLists["passwords"]
	set := make(map[string]struct{}, len(list))
	for _, pw := range list {
		set[pw] = struct{}{}
	}
	return set
})

// Limits on what one estimate analyses. zxcvbn's authors recommend analysing about 100
// characters. This port matches every substring against every dictionary once per l33t
// substitution table, and it enumerates one table per combination of the l33t symbols present:
// 100 characters using all of them (some 500 tables) took ~0.9 s here, 1 000 took minutes. So
// the analysed prefix shrinks until tables × runes² fits the cost of 100 runes with two tables,
// never below minAnalysedRunes (~50 ms in the worst case).
const (
	maxAnalysedRunes = 100
	minAnalysedRunes = 32
	costBudget       = 2 * maxAnalysedRunes * maxAnalysedRunes
	maxInputs        = 16 // user inputs, each a dictionary of its own
)

// analysedPrefix returns the longest prefix of pw within the cost budget. Invalid UTF-8 is kept
// as is (each bad byte counts as a rune); the library scores it 0.
func analysedPrefix(pw string) string {
	pw = firstRunes(pw, maxAnalysedRunes)
	n := utf8.RuneCountInString(pw)
	for n > minAnalysedRunes && l33tTables(pw)*n*n > costBudget {
		n--
		pw = firstRunes(pw, n)
	}
	return pw
}

func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// l33tSymbols mirrors the library's (unexported) l33t table: the look-alike symbols of each letter.
var l33tSymbols = map[rune]string{
	'a': "4@", 'b': "8", 'c': "({[<", 'e': "3", 'g': "69", 'i': "1!|",
	'l': "1|7", 'o': "0", 's': "$5", 't': "+7", 'x': "%", 'z': "2",
}

// l33tTables estimates how many substitution tables the library enumerates for s: the product,
// over letters, of how many of that letter's symbols s contains.
func l33tTables(s string) int {
	tables := 1
	for _, symbols := range l33tSymbols {
		n := 0
		for _, c := range symbols {
			if strings.ContainsRune(s, c) {
				n++
			}
		}
		tables *= max(n, 1)
	}
	return tables
}

// userWords turns the user's inputs into the words zxcvbn should treat as known to an attacker.
// The library only finds a user input as a whole, so "Ada Lovelace" alone would never match
// "lovelace1815": each input is kept whole (lower case), then split into runs of letters and
// digits of three or more; an e-mail address also contributes its local part and its domain
// without the top-level label ("com" would only produce false warnings).
func userWords(inputs []string) []string {
	var words []string
	seen := map[string]bool{}
	add := func(w string) {
		if utf8.RuneCountInString(w) >= 3 && !seen[w] {
			seen[w] = true
			words = append(words, w)
		}
	}
	for _, in := range inputs[:min(len(inputs), maxInputs)] {
		in = strings.ToLower(strings.TrimSpace(firstRunes(in, maxAnalysedRunes)))
		add(in)
		local, domain, isEmail := strings.Cut(in, "@")
		if isEmail {
			add(local)
			if i := strings.LastIndexByte(domain, '.'); i > 0 {
				domain = domain[:i]
			}
			in = local + " " + domain
		}
		for _, part := range strings.FieldsFunc(in, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			add(part)
		}
	}
	return words
}
