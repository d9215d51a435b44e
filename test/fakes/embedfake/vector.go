package embedfake

import (
	"math"
	"strings"
	"unicode"
)

// stopWords carry no meaning of their own: left out, so that two texts are close for the words
// that say what they are about, not for "the" and "is".
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an the and or but of to in on at for with from by as is are was were be been
		am do does did have has had it its this that these those i me my you your he him his she her we us our they
		them their what when where who how which will would can could shall should not no so than then there`) {
		stopWords[w] = true
	}
}

// words splits text into lower-cased words of letters and digits, without stop words.
func words(text string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	}) {
		if !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// fnv is FNV-1a over the parts, with a zero byte between them.
func fnv(parts ...string) uint64 {
	h := uint64(14695981039346656037)
	for i, p := range parts {
		if i > 0 {
			h *= 1099511628211 // the separator, a zero byte
		}
		for j := 0; j < len(p); j++ {
			h ^= uint64(p[j])
			h *= 1099511628211
		}
	}
	return h
}

// embed is the vector of text for model, of dims numbers: each word (after its synonym, if it has
// one) adds ±1 to a dimension chosen by hashing it with the model's name, and the sum is scaled
// to unit length. Texts sharing words are close, synonyms count as the same word, and another
// model gives unrelated vectors, as real models do. A text of no word but stop words (or whose
// words cancel out) falls on one dimension chosen by the whole text, so no vector is zero.
func embed(text, model string, dims int, synonyms map[string]string) []float32 {
	acc := make([]float64, dims)
	for _, w := range words(text) {
		if s, ok := synonyms[w]; ok {
			w = s
		}
		h := fnv(model, w)
		sign := 1.0
		if h>>63 != 0 {
			sign = -1
		}
		acc[(h&^(1<<63))%uint64(dims)] += sign
	}
	var sum float64
	for _, x := range acc {
		sum += x * x
	}
	if sum == 0 {
		acc[fnv(model, "\x00text", text)%uint64(dims)], sum = 1, 1
	}
	n := math.Sqrt(sum)
	v := make([]float32, dims)
	for i, x := range acc {
		v[i] = float32(x / n)
	}
	return v
}
