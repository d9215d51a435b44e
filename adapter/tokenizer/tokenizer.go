// Package tokenizer estimates how many tokens a text costs a model, without a vocabulary.
//
// The hub uses the estimate to fit a conversation's history into a model's context window, for
// whatever model a deployment points at, so exactness for one vocabulary is worth less than speed
// and a predictable error. Heuristic mimics what the byte-level BPE vocabularies of current models
// (OpenAI's cl100k_base and o200k_base, and those of Llama 3 and Qwen, built the same way) do to
// text: they split it into words with their leading space, runs of at most three digits,
// punctuation and line breaks, then merge frequent byte sequences, so a common word is one token
// and a rare one a few.
package tokenizer

import (
	"unicode"
	"unicode/utf8"

	"github.com/companionhub/companionhub/usecase/chat"
)

var _ chat.TokenCounter = Heuristic{}

// Heuristic is a chat.TokenCounter that estimates cl100k/o200k-like token counts from character
// classes alone. The zero value is ready to use; it holds no state, allocates nothing and is safe
// for concurrent use.
//
// What it charges:
//
//   - a word of ASCII letters: one token up to seven letters, one more per four letters after
//     that (these vocabularies hold most English words whole); camelCase parts count as words,
//     and an apostrophe between letters ("don't", "she's") is free;
//   - a word with letters outside ASCII (Cyrillic, Greek, accented Latin, Arabic, …): a token per
//     two such letters or four ASCII ones, as the vocabularies saw less of these languages;
//   - a run of digits: a token per three digits, rounded up (how these vocabularies split numbers);
//   - a run of ASCII punctuation: a token per three characters, rounded up (".", "," are a token
//     each; "...", "?!", `":"` one together);
//   - Chinese, Japanese and Korean characters: a token each;
//   - an emoji: two or three tokens (one per UTF-8 byte after the first; the variation selector
//     one);
//   - white space: nothing for the last space before anything but a digit, which joins the token
//     after it; a token per four line breaks (none after punctuation, which takes them) and per
//     eight other spaces;
//   - other punctuation and spaces outside ASCII (dashes, curly quotes), control characters and
//     each byte that is not UTF-8: a token each; any other symbol: two.
//
// Error bounds, measured with tiktoken's cl100k_base and o200k_base on texts of a few hundred
// bytes (the sample sentences in the tests are some of them):
//
//   - English prose and dialogue: 0 to +6% above cl100k, a little more above o200k; technical
//     English with identifiers, URLs and rare long words: up to +25%;
//   - source code, JSON and Markdown: +3 to +10%;
//   - French, Spanish and Russian: within ±15% of cl100k; German about 17% below (its common
//     words cost cl100k more than English ones of the same length); all of them 0 to +75% above
//     o200k, whose vocabulary covers these languages better;
//   - Chinese and Japanese: 5–15% below cl100k, 30% above o200k; Korean about 25% below cl100k,
//     35% above o200k;
//   - emoji-heavy text: about +10% above cl100k.
//
// A single short string can be off by more in relative terms, never by more than a few tokens.
// Callers that fit text into a context window should keep some slack, as they must anyway for
// the framing around each chat message.
type Heuristic struct{}

// New returns a Heuristic.
func New() Heuristic { return Heuristic{} }

// Tuning of the estimate; see Heuristic for what they mean and how they were chosen.
const (
	firstTokenLetters = 7 // letters an English word's first token covers
	moreTokenLetters  = 4 // letters each further token covers
	foreignUnits      = 4 // letter units per token of a word with letters outside ASCII
	digitsPerToken    = 3
	punctPerToken     = 3
	newlinesPerToken  = 4
	spacesPerToken    = 8
)

// Byte classes, for the ASCII fast path.
const (
	clsOther    uint8 = iota // a control character: one token each
	clsLower                 // a–z
	clsUpper                 // A–Z
	clsDigit                 // 0–9
	clsSpace                 // space, tab, vertical tab, form feed
	clsNewline               // line feed, carriage return
	clsPunct                 // the rest of printable ASCII
	clsNonASCII              // a byte of a multi-byte sequence (or not UTF-8 at all)
)

var byteClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = clsNonASCII
		case 'a' <= c && c <= 'z':
			t[c] = clsLower
		case 'A' <= c && c <= 'Z':
			t[c] = clsUpper
		case '0' <= c && c <= '9':
			t[c] = clsDigit
		case c == ' ' || c == '\t' || c == '\v' || c == '\f':
			t[c] = clsSpace
		case c == '\n' || c == '\r':
			t[c] = clsNewline
		case c > ' ' && c < 0x7f:
			t[c] = clsPunct
		default:
			t[c] = clsOther
		}
	}
	return t
}()

// Count estimates the number of tokens text costs. It never panics, whatever the bytes.
func (Heuristic) Count(text string) int {
	n := 0
	afterPunct := false // the previous piece was ASCII punctuation, which takes line breaks after it
	for i := 0; i < len(text); {
		c := text[i]
		cls := byteClass[c]
		punct := false
		switch cls {
		case clsLower, clsUpper:
			var t int
			i, t = scanWord(text, i)
			n += t
		case clsDigit:
			j := i + 1
			for j < len(text) && byteClass[text[j]] == clsDigit {
				j++
			}
			n += ceilDiv(j-i, digitsPerToken)
			i = j
		case clsSpace, clsNewline:
			var t int
			i, t = scanSpace(text, i, afterPunct)
			n += t
		case clsPunct:
			j := i + 1
			for j < len(text) && byteClass[text[j]] == clsPunct {
				j++
			}
			n += ceilDiv(j-i, punctPerToken)
			i = j
			punct = true
		case clsOther:
			n++
			i++
		default:
			r, size := utf8.DecodeRuneInString(text[i:])
			switch {
			case r == utf8.RuneError && size <= 1:
				n++ // a byte that is not UTF-8: byte-level vocabularies spend a token on it
			case isCJK(r):
				n++
			case isLetterOrMark(r):
				var t int
				i, t = scanWord(text, i)
				n += t
				size = 0
			case isEmoji(r):
				n += size - 1 // two or three, as these vocabularies hardly merge emoji bytes
			case r == 0xFE0F || unicode.IsSpace(r) || unicode.IsPunct(r):
				n++ // the emoji variation selector, no-break and wide spaces, dashes, quotes
			default:
				n += 2 // symbols, private use and the rest: bytes that seldom merge
			}
			i += size
		}
		afterPunct = punct
	}
	return n
}

// scanWord reads the word starting at text[i] (a letter or a combining mark) and returns where it
// ends and what it costs. A word is cut where a lower-case letter is followed by an upper-case one
// (camelCase costs what its parts do), and at an apostrophe between letters, which is free (the
// vocabularies merge "'t", "'s", "'re" with the letters after them). CJK characters end a word.
func scanWord(text string, i int) (end, tokens int) {
	units, foreign, prevLower := 0, false, false
	cut := func() {
		if units > 0 {
			tokens += wordTokens(units, foreign)
		}
		units, foreign, prevLower = 0, false, false
	}
loop:
	for i < len(text) {
		c := text[i]
		switch byteClass[c] {
		case clsLower:
			units++
			prevLower = true
			i++
		case clsUpper:
			if prevLower {
				cut()
			}
			units++
			i++
		case clsNonASCII:
			r, size := utf8.DecodeRuneInString(text[i:])
			switch {
			case r == '\u2019' && units > 0 && isLetterAt(text, i+size):
				cut()
			case r == utf8.RuneError && size <= 1, isCJK(r), !isLetterOrMark(r):
				break loop
			default:
				units += 2
				foreign = true
				prevLower = false // camelCase is an ASCII habit
			}
			i += size
		default:
			if c != '\'' || units == 0 || !isLetterAt(text, i+1) {
				break loop
			}
			cut()
			i++
		}
	}
	cut()
	return i, tokens
}

// wordTokens is what a word of units letter units costs: common English words are one token up
// to about seven letters; words with letters outside ASCII (in languages the vocabularies saw
// less of) about one per two letters.
func wordTokens(units int, foreign bool) int {
	if foreign {
		return ceilDiv(units, foreignUnits)
	}
	return 1 + ceilDiv(max(units-firstTokenLetters, 0), moreTokenLetters)
}

// isLetterAt reports whether a letter starts at text[i] (false at the end of text).
func isLetterAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	if c := text[i]; c < utf8.RuneSelf {
		return byteClass[c] == clsLower || byteClass[c] == clsUpper
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isLetterOrMark(r)
}

// isLetterOrMark reports whether r is a letter or a combining mark, answering for accented Latin
// and Cyrillic without the Unicode tables' binary search.
func isLetterOrMark(r rune) bool {
	switch {
	case 0xC0 <= r && r <= 0x24F: // Latin-1 letters, Latin Extended-A and -B
		return r != 0xD7 && r != 0xF7 // × and ÷
	case 0x300 <= r && r <= 0x36F: // combining diacritical marks
		return true
	case 0x400 <= r && r <= 0x52F: // Cyrillic and its supplement
		return r != 0x482 // ҂
	}
	return unicode.IsLetter(r) || unicode.IsMark(r)
}

// scanSpace reads the run of white space at text[i] and returns where it ends and what it costs.
// Line breaks cost a token per few (none right after punctuation, which takes them), the spaces
// after the last line break a token per several, and the last space before a word or
// punctuation nothing: it belongs to that token. A space before a digit does cost one.
func scanSpace(text string, i int, afterPunct bool) (end, tokens int) {
	j, lastBreak := i, -1
	for ; j < len(text); j++ {
		cls := byteClass[text[j]]
		if cls == clsNewline {
			lastBreak = j
		} else if cls != clsSpace {
			break
		}
	}
	tail := j - i
	if lastBreak >= 0 {
		breaks := lastBreak + 1 - i
		allBreaks := true
		for k := i; k <= lastBreak; k++ {
			allBreaks = allBreaks && byteClass[text[k]] == clsNewline
		}
		if !(afterPunct && allBreaks) {
			tokens += ceilDiv(breaks, newlinesPerToken)
		}
		tail = j - lastBreak - 1
	}
	if tail > 0 && j < len(text) && byteClass[text[j]] != clsDigit {
		tail--
	}
	return j, tokens + ceilDiv(tail, spacesPerToken)
}

// isCJK reports whether r is a Han ideograph, kana or a Hangul syllable or letter: scripts these
// vocabularies spend about a token per character on.
func isCJK(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x11FF, // Hangul Jamo
		0x2E80 <= r && r <= 0x2FDF,   // CJK radicals, Kangxi radicals
		0x3040 <= r && r <= 0x30FF,   // Hiragana, Katakana
		0x3130 <= r && r <= 0x318F,   // Hangul compatibility Jamo
		0x31F0 <= r && r <= 0x31FF,   // Katakana phonetic extensions
		0x3400 <= r && r <= 0x4DBF,   // CJK extension A
		0x4E00 <= r && r <= 0x9FFF,   // CJK unified ideographs
		0xAC00 <= r && r <= 0xD7AF,   // Hangul syllables
		0xF900 <= r && r <= 0xFAFF,   // CJK compatibility ideographs
		0xFF66 <= r && r <= 0xFF9F,   // half-width Katakana
		0x20000 <= r && r <= 0x3FFFF: // CJK extensions B–H
		return true
	}
	return false
}

// isEmoji reports whether r is a pictograph of the emoji blocks (skin-tone modifiers, regional
// indicators and the zero-width joiner of emoji sequences included). The Miscellaneous Symbols
// and Dingbats blocks count too: their characters are mostly shown as emoji and cost as much.
func isEmoji(r rune) bool {
	return 0x1F000 <= r && r <= 0x1FAFF || 0x2600 <= r && r <= 0x27BF || 0x2B00 <= r && r <= 0x2BFF || r == 0x200D
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
