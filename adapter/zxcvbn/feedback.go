package zxcvbn

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/match"
)

// advice is a warning (what makes the password weak) and suggestions (what to do instead).
type advice struct {
	warning     string
	suggestions []string
}

// The library returns no feedback text, only the patterns it matched. These rules follow
// zxcvbn's own JavaScript feedback (feedback.coffee): no advice for a good score; otherwise a
// warning about the longest pattern, since that is what an attacker guesses first, and always the
// advice to add words. The words are ours.
const (
	addWords       = "Add another word or two; uncommon words are best."
	leaveOutInputs = "Leave out your name, username and e-mail address."
)

// adviseOn explains a score given the sequence of patterns the library found.
func adviseOn(score int, seq []*match.Match) advice {
	if len(seq) == 0 {
		return advice{suggestions: []string{
			"Use a few words that do not belong together, or a longer phrase.",
			"Symbols, digits and capitals are not needed when the password is long.",
		}}
	}
	if score > 2 {
		return advice{}
	}
	longest := seq[0]
	for _, m := range seq[1:] {
		if utf8.RuneCountInString(m.Token) > utf8.RuneCountInString(longest.Token) {
			longest = m
		}
	}
	a := adviceFor(longest, len(seq) == 1)
	a.suggestions = append([]string{addWords}, a.suggestions...)
	if longest.DictionaryName != "user_inputs" && containsUserInput(seq) {
		a.suggestions = append(a.suggestions, leaveOutInputs)
	}
	return a
}

func adviceFor(m *match.Match, sole bool) advice {
	switch m.Pattern {
	case "dictionary":
		return dictionaryAdvice(m, sole)
	case "spatial":
		w := "Short keyboard patterns are easy to guess."
		if m.Turns == 1 {
			w = "Straight rows of keys are easy to guess."
		}
		return advice{w, []string{"Avoid patterns on the keyboard, or use a long one with many turns."}}
	case "repeat":
		w := `Repeating a group like "abcabc" adds little over "abc".`
		if utf8.RuneCountInString(m.BaseToken) == 1 {
			w = `Repeated characters like "aaa" are easy to guess.`
		}
		return advice{w, []string{"Avoid repeated words and characters."}}
	case "sequence":
		return advice{"Sequences like abc or 6543 are easy to guess.", []string{"Avoid runs of letters or digits in order."}}
	case "regex":
		if m.RegexName == "recent_year" {
			return advice{"Recent years are easy to guess.", []string{"Avoid recent years, and years that mean something to you."}}
		}
	case "date":
		return advice{"Dates are easy to guess.", []string{"Avoid dates and years that mean something to you."}}
	}
	return advice{} // bruteforce: nothing to say beyond adding words
}

func dictionaryAdvice(m *match.Match, sole bool) advice {
	var a advice
	switch m.DictionaryName {
	case "passwords":
		switch {
		case sole && !m.L33t && !m.Reversed && m.Rank <= 10:
			a.warning = "This is one of the 10 most common passwords."
		case sole && !m.L33t && !m.Reversed && m.Rank <= 100:
			a.warning = "This is one of the 100 most common passwords."
		case sole && !m.L33t && !m.Reversed:
			a.warning = "This is a very common password."
		case m.Guesses > 0 && math.Log10(m.Guesses) <= 4:
			a.warning = "This is close to a very common password."
		}
	case "english_wikipedia", "us_tv_and_film":
		a.warning = "Common words and phrases are easy to guess."
		if sole {
			a.warning = "A single word is easy to guess."
		}
	case "surnames", "male_names", "female_names":
		a.warning = "Common names and surnames are easy to guess."
		if sole {
			a.warning = "A name or surname on its own is easy to guess."
		}
	case "user_inputs":
		a.warning = "It contains your name, username or e-mail address."
		a.suggestions = append(a.suggestions, leaveOutInputs)
	}
	switch word := m.Token; {
	case startsUpperOnly(word):
		a.suggestions = append(a.suggestions, "Capitalising the first letter adds little.")
	case strings.ToUpper(word) == word && strings.ToLower(word) != word:
		a.suggestions = append(a.suggestions, "All capitals are barely harder to guess than all lower case.")
	}
	if m.Reversed && utf8.RuneCountInString(m.Token) >= 4 {
		a.suggestions = append(a.suggestions, "Spelling a word backwards adds little.")
	}
	if m.L33t {
		a.suggestions = append(a.suggestions, `Look-alike swaps such as "@" for "a" add little.`)
	}
	return a
}

// startsUpperOnly reports whether word is capitalised and otherwise has no capitals ("Password").
func startsUpperOnly(word string) bool {
	first, size := utf8.DecodeRuneInString(word)
	rest := word[size:]
	return unicode.IsUpper(first) && rest != "" && strings.ToLower(rest) == rest
}

func containsUserInput(seq []*match.Match) bool {
	for _, m := range seq {
		if m.DictionaryName == "user_inputs" {
			return true
		}
	}
	return false
}
