package memory

import (
	"strings"
	"unicode"
)

// stopwords are words too common to say what a message is about: a memory matching only them is
// no memory of it. English only for now; other languages search with every word.
var stopwords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`a an the and or but if then so of to in on at by for from with about as into
		over after before is are was were be been being am do does did have has had will would can could shall
		should may might must i me my mine you your yours he him his she her hers it its we us our they them their
		this that these those there here what which who whom whose when where why how all any some no not yes
		just very too also again more most much many such only own same than up down out off now ok okay oh hi
		hello hey please thanks thank let lets let's i'm you're it's that's don't doesn't didn't can't won't
		i've i'll i'd tell told say said know think remember forget like get got go going went`) {
		m[w] = true
	}
	return m
}()

// searchable is the words of a message worth searching memories for: letters and digits, lower
// case, stop words and one-letter words left out, each once, space-separated ("" when none).
func searchable(text string) string {
	var out []string
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		w = strings.Trim(w, "'")
		w = strings.TrimSuffix(w, "'s")
		if len([]rune(w)) < 2 || stopwords[w] || seen[w] {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return strings.Join(out, " ")
}
