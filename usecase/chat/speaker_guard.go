package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SpeakerGuard ends a streamed group-chat reply where the model starts writing another
// participant's line ("Bob: sure!", "**Mia:** hey"), so that line is never shown or saved. It runs
// after Filter. The zero value with Self and Others set is ready; it is not safe for concurrent use.
//
// A label counts only at a line start (the start of the reply, right after each "\n"): optional
// spaces/tabs, up to three opening markers ("*", "_", "["), a name, up to three closing markers
// ("*", "_", "]"), up to eight spaces/tabs, ":". Names match whole ("Bobby:" is not "Bob:") and
// case-insensitively, rune by rune with simple folding as in strings.EqualFold; the first word of a
// multi-word name counts too ("Luna:" for "Luna Star") when it has three letters or more and is not
// the first word of Self. Names are trimmed; names without a letter or spanning lines are ignored.
// Where one label could name several speakers, Self's name wins, then full names, then first words.
//
//   - A label naming one of Others stops the reply before its line (spaces before the label on that
//     line were already passed on; the reply step trims the end).
//   - A label naming Self is removed with the spaces after it (and the closing markers of
//     "**Mia:**"); what follows is a line start again, so "Mia: Bob: hi" stops too.
//   - Everything else is text and passes unchanged.
//
// A line start is held back only while it can still become a label — a few bytes more than the
// longest name at most, as markers and spaces are bounded — and passed on once a rune rules that out
// ("\n" before ":", a rune no name continues with). Only that held text is ever re-examined. The
// guard works rune by rune, so its output is the same however the reply is cut into chunks, and it
// never emits part of a UTF-8 character (invalid bytes become U+FFFD).
type SpeakerGuard struct {
	// Self is the speaking companion's name; Others the names of everyone else in the room
	// (people and companions).
	Self   string
	Others []string

	ready    bool      // speakers is built from Self and Others
	speakers []speaker // in order of precedence
	mode     guardMode
	held     []rune // the line start being matched, after its leading spaces/tabs
	marks    int    // closing markers still dropped after Self's label
	tail     []byte // bytes of an incomplete UTF-8 character at the end of the last chunk
	out      []byte // what the current call emits
}

const maxLabelMarks, maxLabelGap = 3, 8 // markers on either side of a name; spaces before ":"

type guardMode uint8

const (
	guardLine    guardMode = iota // at a line start: matching a label
	guardText                     // inside a line: passing text on
	guardOwn                      // after Self's label: dropping closing markers and spaces
	guardStopped                  // another speaker's line began: the reply is over
)

type speaker struct {
	name []rune
	self bool
}

// Write feeds the next chunk and returns the text now safe to show; stop says the model began
// someone else's line: the reply ends before it, and every later Write returns "", true.
func (g *SpeakerGuard) Write(chunk string) (out string, stop bool) {
	if g.mode == guardStopped {
		return "", true
	}
	g.out = g.out[:0]
	if len(g.tail) > 0 {
		chunk = string(g.tail) + chunk
		g.tail = g.tail[:0]
	}
	g.feed(chunk, false)
	return string(g.out), g.mode == guardStopped
}

// Flush ends the reply and returns what was held back (nothing after a stop); the guard is then
// ready for a new reply with the same Self and Others.
func (g *SpeakerGuard) Flush() string {
	g.out = g.out[:0]
	if g.mode != guardStopped {
		g.feed(string(g.tail), true) // a cut-off character decodes as U+FFFD, byte by byte
		if g.mode == guardLine {
			g.release() // an unfinished label is text
		}
	}
	s := string(g.out)
	*g = SpeakerGuard{Self: g.Self, Others: g.Others}
	return s
}

// feed puts the runes of data through the guard, keeping an incomplete last one unless final.
func (g *SpeakerGuard) feed(data string, final bool) {
	g.prepare()
	for len(data) > 0 && g.mode != guardStopped {
		if !final && !utf8.FullRuneInString(data) {
			g.tail = append(g.tail, data...)
			return
		}
		r, n := utf8.DecodeRuneInString(data)
		g.put(r)
		data = data[n:]
	}
}

func (g *SpeakerGuard) put(r rune) {
	switch g.mode {
	case guardText:
		g.out = utf8.AppendRune(g.out, r)
		if r == '\n' {
			g.mode = guardLine
		}
	case guardOwn:
		switch {
		case g.marks > 0 && isCloseMark(r):
			g.marks--
		case r == ' ' || r == '\t':
			g.marks = 0
		default:
			g.mode = guardLine
			g.put(r)
		}
	case guardLine:
		if len(g.held) == 0 && (r == ' ' || r == '\t') {
			g.out = utf8.AppendRune(g.out, r) // leading spaces are passed on; the line start goes on
			return
		}
		g.held = append(g.held, r)
		g.matchHeld()
	}
}

// matchHeld acts on the held line start once it is a label, or releases it once it cannot be one.
func (g *SpeakerGuard) matchHeld() {
	live := false
	for _, s := range g.speakers {
		m, unclosed := matchLabel(g.held, s.name)
		switch {
		case m == labelDone && s.self:
			g.held, g.mode, g.marks = g.held[:0], guardOwn, unclosed
			return
		case m == labelDone:
			g.held, g.mode = g.held[:0], guardStopped
			return
		case m == labelMore:
			live = true
		}
	}
	if !live {
		g.release()
	}
}

// release passes the held line start on as text. Names never hold "\n", so only its last rune,
// the one that ruled the label out, can be one.
func (g *SpeakerGuard) release() {
	g.mode = guardText
	for _, r := range g.held {
		g.out = utf8.AppendRune(g.out, r)
		if r == '\n' {
			g.mode = guardLine
		}
	}
	g.held = g.held[:0]
}

type labelMatch uint8

const (
	labelFail labelMatch = iota
	labelMore
	labelDone
)

// matchLabel matches h, a line start without its leading spaces, against a label naming name.
// For a label it also returns how many opening markers were left unclosed before the ":".
func matchLabel(h, name []rune) (labelMatch, int) {
	res := labelFail
	for k := 0; k <= maxLabelMarks && k <= len(h); k++ { // k opening markers
		if k > 0 && !isOpenMark(h[k-1]) {
			break
		}
		t, j := h[k:], 0
		for ; j < len(name) && j < len(t); j++ {
			if !foldEq(t[j], name[j]) {
				break
			}
		}
		if j < len(name) {
			if j == len(t) {
				res = labelMore
			}
			continue
		}
		closed := 0
		for ; j < len(t) && closed < maxLabelMarks && isCloseMark(t[j]); j++ {
			closed++
		}
		for gap := 0; j < len(t) && gap < maxLabelGap && (t[j] == ' ' || t[j] == '\t'); j++ {
			gap++
		}
		switch {
		case j == len(t):
			res = labelMore
		case t[j] == ':':
			if closed > 0 {
				k = 0 // the markers were closed before the colon
			}
			return labelDone, k
		}
	}
	return res, 0
}

func isOpenMark(r rune) bool  { return r == '*' || r == '_' || r == '[' }
func isCloseMark(r rune) bool { return r == '*' || r == '_' || r == ']' }

// foldEq reports whether a and b are equal under Unicode simple folding, as strings.EqualFold.
func foldEq(a, b rune) bool {
	if a == b {
		return true
	}
	for f := unicode.SimpleFold(a); f != a; f = unicode.SimpleFold(f) {
		if f == b {
			return true
		}
	}
	return false
}

// prepare builds the names in order of precedence, once per reply.
func (g *SpeakerGuard) prepare() {
	if g.ready {
		return
	}
	g.ready = true
	selfFirst := ""
	if f := strings.Fields(g.Self); len(f) > 0 {
		selfFirst = f[0]
	}
	var firsts []speaker
	add := func(name string, self bool) {
		name = strings.TrimSpace(name)
		if strings.IndexFunc(name, unicode.IsLetter) < 0 || strings.ContainsRune(name, '\n') {
			return
		}
		g.speakers = append(g.speakers, speaker{name: []rune(name), self: self})
		f := strings.Fields(name)
		if len(f) < 2 || letters(f[0]) < 3 || (!self && strings.EqualFold(f[0], selfFirst)) {
			return
		}
		firsts = append(firsts, speaker{name: []rune(f[0]), self: self})
	}
	add(g.Self, true)
	for _, o := range g.Others {
		add(o, false)
	}
	g.speakers = append(g.speakers, firsts...)
}

func letters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}
