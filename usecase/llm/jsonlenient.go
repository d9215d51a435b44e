package llm

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// status of one step of the lenient parser.
type status uint8

const (
	done    status = iota // the value was read and written
	stopped               // the value was written, then the input ended: close everything
	cut                   // the input ended before a whole value: nothing written, close everything
	empty                 // there was no value here (nothing written); go on after it
)

// repairer is a lenient recursive-descent JSON parser that writes canonical JSON to out as it
// reads. Everything it writes is valid, so stopping anywhere and closing open brackets always
// leaves a valid document.
type repairer struct {
	s   string
	i   int
	out []byte
}

// object reads an object starting at the current '{' and returns how many members it wrote.
func (p *repairer) object(depth int) int {
	p.i++ // '{'
	p.out = append(p.out, '{')
	members := 0
	closeObject := func(n int) int { p.out = append(p.out, '}'); return n }
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			break
		}
		switch c := p.s[p.i]; c {
		case '}':
			p.i++
			return closeObject(members)
		case ']': // mismatched closer: end the object here and leave ']' to an enclosing array
			return closeObject(members)
		case ',':
			p.i++
			continue
		}
		mark := len(p.out)
		if members > 0 {
			p.out = append(p.out, ',')
		}
		key, ok := p.key()
		if !ok {
			p.out = p.out[:mark]
			break
		}
		p.skipSpace()
		if p.i < len(p.s) && (p.s[p.i] == ',' || p.s[p.i] == '}') { // a key with no value
			p.out = p.out[:mark]
			continue
		}
		if p.i >= len(p.s) || (p.s[p.i] != ':' && p.s[p.i] != '=') {
			p.out = p.out[:mark]
			break
		}
		p.i++
		p.out = appendString(p.out, key)
		p.out = append(p.out, ':')
		switch p.value(depth + 1) {
		case empty:
			p.out = p.out[:mark]
			continue
		case cut:
			p.out = p.out[:mark]
			return closeObject(members)
		case stopped:
			return closeObject(members + 1)
		}
		members++
	}
	return closeObject(members)
}

// array reads an array starting at the current '['.
func (p *repairer) array(depth int) status {
	p.i++ // '['
	p.out = append(p.out, '[')
	n := 0
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			p.out = append(p.out, ']')
			return stopped
		}
		switch p.s[p.i] {
		case ']':
			p.i++
			p.out = append(p.out, ']')
			return done
		case '}': // mismatched closer: end the array, leave '}' to the enclosing object
			p.out = append(p.out, ']')
			return done
		case ',':
			p.i++
			continue
		}
		mark := len(p.out)
		if n > 0 {
			p.out = append(p.out, ',')
		}
		switch p.value(depth + 1) {
		case empty:
			p.out = p.out[:mark]
			if p.i < len(p.s) && p.s[p.i] == ':' { // "[a: b]": not an array; skip the stray colon
				p.i++
			}
			continue
		case cut:
			p.out = append(p.out[:mark], ']')
			return stopped
		case stopped:
			p.out = append(p.out, ']')
			return stopped
		}
		n++
	}
}

// value reads one value. A string cut off by the end of input is kept (closed); a bare word or
// number cut off is dropped, since "tr" or "12" may be the start of something else.
func (p *repairer) value(depth int) status {
	p.skipSpace()
	if p.i >= len(p.s) {
		return cut
	}
	c := p.s[p.i]
	switch {
	case c == '{' || c == '[':
		if depth >= maxDepth {
			p.i = len(p.s)
			return cut
		}
		if c == '[' {
			return p.array(depth)
		}
		p.object(depth)
		if p.i >= len(p.s) {
			return stopped
		}
		return done
	case c == ',' || c == '}' || c == ']' || c == ':':
		return empty
	}
	if closers, n := openQuote(p.s[p.i:]); n > 0 {
		p.i += n
		s, complete := p.str(closers)
		p.out = appendString(p.out, s)
		if !complete {
			return stopped
		}
		return done
	}
	word, complete := p.bare()
	if !complete {
		return cut
	}
	if word == "" {
		p.i++ // a character that starts nothing; skip it rather than loop
		return empty
	}
	p.out = append(p.out, literal(word)...)
	return done
}

// key reads an object key: a quoted string or a bare identifier. A key cut off is not a key.
func (p *repairer) key() (string, bool) {
	if closers, n := openQuote(p.s[p.i:]); n > 0 {
		p.i += n
		return p.str(closers)
	}
	start := p.i
	for p.i < len(p.s) && !strings.ContainsRune(" \t\r\n:=,{}[]\"'", rune(p.s[p.i])) {
		p.i++
	}
	return p.s[start:p.i], p.i > start && p.i < len(p.s)
}

// openQuote reports the closing delimiters for a string opened at the start of s, and the
// opener's width; n is 0 when s does not start with a quote.
func openQuote(s string) (closers string, n int) {
	r, n := utf8.DecodeRuneInString(s)
	switch r {
	case '"':
		return `"`, n
	case '\'':
		return `'`, n
	case '“', '”', '„':
		return `"“”`, n
	case '‘', '’':
		return `'‘’`, n
	}
	return "", 0
}

// str reads string content up to a closing delimiter and reports whether one was found. A
// delimiter only closes the string when what follows it could follow a string in JSON (a comma,
// colon, bracket, the end, or a new line starting a new key); otherwise it is a quote or an
// apostrophe inside the text, as in 'it's' or "she said "hi"". Valid JSON never reaches the
// ambiguous case: its inner quotes are escaped.
func (p *repairer) str(closers string) (string, bool) {
	var b strings.Builder
	for p.i < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.i:])
		if strings.ContainsRune(closers, r) && r != utf8.RuneError && p.closesString(p.i+n) {
			p.i += n
			return b.String(), true
		}
		p.i += n
		if r != '\\' {
			b.WriteRune(r) // invalid bytes arrive as RuneError and are written as U+FFFD
			continue
		}
		if p.i >= len(p.s) {
			break
		}
		e := p.s[p.i]
		p.i++
		switch e {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if p.i+4 > len(p.s) {
				p.i = len(p.s) // a cut-off escape is dropped
				return b.String(), false
			}
			if r, ok := p.hex4(p.i); ok {
				p.i += 4
				if utf16.IsSurrogate(r) && strings.HasPrefix(p.s[p.i:], `\u`) {
					if r2, ok := p.hex4(p.i + 2); ok && utf16.DecodeRune(r, r2) != utf8.RuneError {
						r = utf16.DecodeRune(r, r2)
						p.i += 6
					}
				}
				b.WriteRune(r) // a lone surrogate becomes U+FFFD, as encoding/json does
			} else {
				b.WriteString(`\u`)
			}
		case '"', '\\', '/', '\'':
			b.WriteByte(e)
		default: // an unknown escape: keep the backslash as text
			b.WriteByte('\\')
			p.i--
		}
	}
	return b.String(), false
}

// hex4 reads the four hex digits of a \u escape at j.
func (p *repairer) hex4(j int) (rune, bool) {
	if j+4 > len(p.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[j:j+4], 16, 16)
	return rune(v), err == nil
}

// closesString reports whether a delimiter just before j ends a string (see str).
func (p *repairer) closesString(j int) bool {
	sawNewline := false
	for ; j < len(p.s); j++ {
		switch c := p.s[j]; c {
		case ' ', '\t', '\r':
		case '\n':
			sawNewline = true
		case ',', ':', '}', ']', '=':
			return true
		default:
			if !sawNewline {
				return strings.HasPrefix(p.s[j:], "//") || strings.HasPrefix(p.s[j:], "/*")
			}
			_, n := openQuote(p.s[j:])
			return n > 0 || isIdentStart(c)
		}
	}
	return true
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// bare reads an unquoted word up to a delimiter, a line end or a comment, trimmed; complete is
// false when the input ended inside it.
func (p *repairer) bare() (word string, complete bool) {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if strings.IndexByte(",}]\r\n\"", c) >= 0 || c == '{' || c == '[' {
			break
		}
		if c == '/' && p.i+1 < len(p.s) && (p.s[p.i+1] == '/' || p.s[p.i+1] == '*') &&
			(p.i == start || p.s[p.i-1] == ' ' || p.s[p.i-1] == '\t') {
			break
		}
		p.i++
	}
	return strings.TrimSpace(p.s[start:p.i]), p.i < len(p.s)
}

// literal writes a bare word as JSON: a literal of Python or JavaScript in any case, a number
// (normalised when JSON would reject its spelling, null when not finite), or else a string.
func literal(w string) []byte {
	switch strings.ToLower(w) {
	case "true", "yes":
		return []byte("true")
	case "false", "no":
		return []byte("false")
	case "null", "none", "nil", "undefined", "nan", "infinity", "+infinity", "-infinity", "inf", "-inf":
		return []byte("null")
	}
	if json.Valid([]byte(w)) && (w[0] == '-' || w[0] >= '0' && w[0] <= '9') {
		return []byte(w)
	}
	if len(w) <= 32 && strings.IndexFunc(w, func(r rune) bool { return !strings.ContainsRune("0123456789+-.eE", r) }) < 0 {
		if f, err := strconv.ParseFloat(w, 64); err == nil {
			return strconv.AppendFloat(nil, f, 'g', -1, 64)
		}
	}
	return appendString(nil, w)
}

// skipSpace skips whitespace and comments; an unclosed block comment runs to the end.
func (p *repairer) skipSpace() {
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			p.i++
		case strings.HasPrefix(p.s[p.i:], "//"):
			if j := strings.IndexByte(p.s[p.i:], '\n'); j >= 0 {
				p.i += j + 1
			} else {
				p.i = len(p.s)
			}
		case strings.HasPrefix(p.s[p.i:], "/*"):
			if j := strings.Index(p.s[p.i+2:], "*/"); j >= 0 {
				p.i += j + 4
			} else {
				p.i = len(p.s)
			}
		default:
			return
		}
	}
}

// appendString writes s as a JSON string: control characters escaped, invalid UTF-8 replaced.
func appendString(dst []byte, s string) []byte {
	b, _ := json.Marshal(strings.ToValidUTF8(s, "\uFFFD")) // a string always marshals
	return append(dst, b...)
}
