package llm

import (
	"encoding/json"
	"strings"

	"github.com/companionhub/companionhub/domain"
)

// ErrNoJSON is returned by ExtractJSON when no JSON object can be read or repaired out of a reply.
var ErrNoJSON = domain.E(domain.KindInvalid, "no_json", "the model's reply held no JSON object")

// Bounds of ExtractJSON: models are asked for small objects, so a bigger reply is either runaway
// generation or an attack on the parser, and only its head is worth reading.
const (
	MaxJSONInput  = 64 << 10 // bytes of the reply looked at; the rest is ignored (read as truncated)
	maxCandidates = 16       // opening braces tried per region
	maxDepth      = 32       // nesting repaired; deeper input ends the object there
)

// ExtractJSON gets one JSON object out of a model's reply. Models wrap JSON in prose and code
// fences, cut it off at the token limit, and write it the way Python or JavaScript would; a
// failed parse would throw away an otherwise useful answer, so ExtractJSON tries, in order:
//
//  1. the whole reply, when it is already a JSON object (or a JSON string holding one);
//  2. inside each fenced block (``` or ~~~, any language tag, any case), then in the whole reply,
//     the first brace-balanced {…} that is valid as is (brace matching skips strings, so braces
//     inside values do not end the object early);
//  3. the same places again through a lenient parser that repairs: trailing and missing commas,
//     curly quotes and single quotes used as string delimiters, unquoted keys and bare words,
//     True/False/None/undefined/NaN in any case, // and /* */ comments, control characters and
//     stray quotes inside strings, and output cut off mid-way (open strings are closed, a dangling
//     key or a partial number or word is dropped, brackets are closed).
//
// The result is always valid JSON whose top level is an object; otherwise the error is ErrNoJSON
// (KindInvalid). Work is linear in the input (at most MaxJSONInput bytes, a fixed number of tries).
func ExtractJSON(raw string) ([]byte, error) {
	raw = domain.Truncate(raw, MaxJSONInput)
	text := strings.TrimSpace(strings.TrimPrefix(raw, "\ufeff"))
	if isObject(text) {
		return []byte(text), nil
	}
	var inner string // a reply that is one JSON string holding an object (double encoded)
	if len(text) > 0 && text[0] == '"' && json.Unmarshal([]byte(text), &inner) == nil {
		if s := strings.TrimSpace(inner); isObject(s) {
			return []byte(s), nil
		}
	}
	regions := append(fencedBlocks(text), text)
	for _, r := range regions {
		if out, ok := firstValidObject(r); ok {
			return out, nil
		}
	}
	for _, r := range regions {
		if out, ok := firstRepairedObject(r); ok {
			return out, nil
		}
	}
	return nil, ErrNoJSON
}

func isObject(s string) bool { return len(s) > 0 && s[0] == '{' && json.Valid([]byte(s)) }

// fencedBlocks returns the contents of markdown code fences, in order; an unclosed fence runs to
// the end of the text (the reply was cut off inside it).
func fencedBlocks(s string) []string {
	var out []string
	for len(out) < maxCandidates {
		start, fence := -1, ""
		for _, f := range []string{"```", "~~~"} {
			if i := strings.Index(s, f); i >= 0 && (start < 0 || i < start) {
				start, fence = i, f
			}
		}
		if start < 0 {
			return out
		}
		body := s[start+len(fence):]
		body = strings.TrimLeft(body, fence[:1]) // longer fences: ````json
		// The language tag is a word right after the fence; `{` may follow it on the same line.
		body = strings.TrimLeftFunc(body, func(r rune) bool {
			return r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		})
		end := strings.Index(body, fence)
		if end < 0 {
			return append(out, body)
		}
		out = append(out, body[:end])
		s = strings.TrimLeft(body[end:], fence[:1])
	}
	return out
}

// firstValidObject tries the brace-balanced spans of the first opening braces of s as strict JSON.
func firstValidObject(s string) ([]byte, bool) {
	from := 0
	for n := 0; n < maxCandidates; n++ {
		i := strings.IndexByte(s[from:], '{')
		if i < 0 {
			return nil, false
		}
		start := from + i
		if end := balancedEnd(s, start); end > 0 && json.Valid([]byte(s[start:end])) {
			return []byte(s[start:end]), true
		}
		from = start + 1
	}
	return nil, false
}

// balancedEnd returns the index just past the brace closing the one at start, skipping
// double-quoted strings (with escapes), or -1 when it never closes.
func balancedEnd(s string, start int) int {
	depth, inStr, esc := 0, false, false
	for i := start; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case inStr && c == '"':
			inStr = false
		case inStr:
		case c == '"':
			inStr = true
		case c == '{':
			depth++
		case c == '}':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// firstRepairedObject runs the lenient parser from the first opening braces of s and keeps the
// first result that holds at least one member (an empty repair of prose like "{thinks}" is noise).
func firstRepairedObject(s string) ([]byte, bool) {
	from := 0
	for n := 0; n < maxCandidates; n++ {
		i := strings.IndexByte(s[from:], '{')
		if i < 0 {
			return nil, false
		}
		p := repairer{s: s, i: from + i}
		if members := p.object(0); members > 0 && json.Valid(p.out) {
			return p.out, true
		}
		from += i + 1
	}
	return nil, false
}
