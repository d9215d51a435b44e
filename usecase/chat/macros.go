package chat

import (
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
)

// macros expands the curly-braced macros of character cards (reference: character cards §5.1 and
// §5.3) in a text that goes to the model: {{char}} and <BOT>, {{user}} and <USER>, {{original}},
// {{random:A,B}} (a new choice each turn), {{pick:A,B}} (the same choice for the same chat),
// {{roll:N}} / {{roll:dN}}, {{reverse:…}}, {{newline}}, and the comments {{// …}}, {{comment:…}}
// and {{hidden_key:…}}, which are removed. Names are matched ignoring case; an unknown macro is
// left as written.
type macros struct {
	char, user string
	original   string     // what {{original}} stands for (the text a card's prompt replaces)
	turn       *rand.Rand // {{random}}, {{roll}}: varies per turn
	chatSeed   uint64     // {{pick}}: stable per chat
}

func newMacros(char, user string, chatSeed, turnSeed uint64) *macros {
	return &macros{char: char, user: user, chatSeed: chatSeed, turn: rand.New(rand.NewPCG(turnSeed, turnSeed^0x9e3779b97f4a7c15))}
}

// withOriginal is m with {{original}} standing for original.
func (m *macros) withOriginal(original string) *macros {
	c := *m
	c.original = original
	return &c
}

func (m *macros) expand(s string) string {
	if !strings.ContainsAny(s, "{<") {
		return s
	}
	s = replaceFold(s, "<BOT>", m.char)
	s = replaceFold(s, "<USER>", m.user)
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		body := s[i+2 : i+2+j]
		if v, ok := m.one(body, i); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i : i+2+j+2])
		}
		s = s[i+2+j+2:]
	}
}

// one expands a single macro body; ok is false for a macro it does not know.
func (m *macros) one(body string, at int) (string, bool) {
	name, arg, hasArg := strings.Cut(body, ":")
	name = strings.ToLower(strings.TrimSpace(name))
	if strings.HasPrefix(name, "//") {
		return "", true
	}
	switch {
	case !hasArg && name == "char":
		return m.char, true
	case !hasArg && name == "user":
		return m.user, true
	case !hasArg && name == "original":
		return m.original, true
	case !hasArg && name == "newline":
		return "\n", true
	case hasArg && (name == "comment" || name == "hidden_key"):
		return "", true
	case hasArg && name == "reverse":
		r := []rune(arg)
		for a, z := 0, len(r)-1; a < z; a, z = a+1, z-1 {
			r[a], r[z] = r[z], r[a]
		}
		return string(r), true
	case hasArg && (name == "random" || name == "pick"):
		opts := splitOptions(arg)
		if len(opts) == 0 {
			return "", true
		}
		if name == "random" {
			return opts[m.turn.IntN(len(opts))], true
		}
		h := fnv.New64a()
		_, _ = h.Write([]byte(arg))
		return opts[rand.New(rand.NewPCG(m.chatSeed, h.Sum64()^uint64(at))).IntN(len(opts))], true
	case hasArg && name == "roll":
		n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(arg)), "d"))
		if err != nil || n < 1 {
			return "", false
		}
		return strconv.Itoa(1 + m.turn.IntN(n)), true
	}
	return "", false
}

// splitOptions splits a {{random}}/{{pick}} list on commas ("::" separates when an option contains
// a comma, as SillyTavern allows).
func splitOptions(s string) []string {
	sep := ","
	if strings.Contains(s, "::") {
		sep = "::"
	}
	var out []string
	for _, o := range strings.Split(s, sep) {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// replaceFold replaces every occurrence of old (ASCII, matched ignoring case) with new.
func replaceFold(s, old, repl string) string {
	lower := strings.ToLower(s)
	lo := strings.ToLower(old)
	if !strings.Contains(lower, lo) || len(lower) != len(s) {
		if len(lower) != len(s) { // case mapping changed lengths: fall back to exact matches
			return strings.ReplaceAll(s, old, repl)
		}
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lo)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}
