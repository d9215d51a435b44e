package chat

import (
	"unicode"
	"unicode/utf8"
)

// Filter cleans a streamed reply token by token, so the user never sees what the model should not
// have written and the stream shows exactly the text that is saved. The zero value is ready; a
// Filter is not safe for concurrent use. It removes:
//
//   - Stage directions: a parenthetical whose content (between "(" and ")") is non-empty, holds a
//     letter, and consists only of lower-case letters (any script with case: "(lächelt)" too),
//     spaces, commas, apostrophes (' ’) and hyphens — "(laughs softly)", "(she's grinning,
//     half-asleep)". Anything else inside parentheses makes it ordinary text and it is kept: "(2)",
//     "(I mean it)", "(see: above)", "()", a parenthetical spanning a line break, and one whose
//     content passes 120 bytes (a real aside, not an action). Lower-case asides such as "(lol)" are
//     indistinguishable from actions and are removed. *Asterisk actions* are kept, as in the
//     original, where the prompt already forbids them.
//   - Scene tags: "[" + optional spaces/tabs + optional "/" + optional spaces/tabs + "scene" or
//     "state" (ASCII letters, any case), then anything up to "]" or the end of the line. An opening
//     tag with nothing after the name ("[SCENE]", "[ state ]") starts a block that is removed up to
//     and including the next closing tag ("[/SCENE]", "[/ state]"; either name closes either), or
//     to the end of the reply when none comes. An opening tag with more after the name ("[Scene:
//     bedroom]", "[SCENE outfit=dress]", "[Scenery]") is a one-line annotation: the tag alone is
//     removed, because swallowing the rest of a reply for a tag that was never meant to open a
//     block would lose the reply. A closing tag outside a block is removed too. Any other bracket
//     is ordinary text ("[1]", "[link]"). Tags are matched on the output side as well: when a
//     removal leaves "[" right before "scene" in the output, that is a tag too, so the user never
//     sees "[scene".
//
// Whitespace is kept exactly — newlines included (the original collapsed it) — except around a
// removal, where the two runs of whitespace that meet are collapsed into one so that no double
// space or stack of blank lines is left: the run with more line breaks wins (the one before on a
// tie), none is kept at the very start of the reply, at its end, or before closing punctuation
// (". , ! ? ; : … ) ] }"). Whitespace is therefore held back until the next visible character.
//
// The filter works character by character, so the text is the same however the reply is cut into
// chunks, and it never emits part of a UTF-8 character (invalid bytes become U+FFFD). Memory is
// bounded: at most 120 bytes of parenthetical, a few characters of tag, 1 KiB of whitespace.
type Filter struct {
	tail []byte // bytes of an incomplete UTF-8 character at the end of the last chunk
	out  []byte // what the current call emits
	dir  dirStage
	tag  tagStage
	gap  gapStage
}

// Bounds of what the filter holds back.
const (
	maxDirection = 120  // bytes of a stage direction's content
	maxTagSpace  = 8    // spaces/tabs inside a tag before its name
	maxHeldSpace = 1024 // bytes of whitespace held back
)

// Write feeds the next chunk of the reply and returns the text that is now safe to show.
func (f *Filter) Write(chunk string) string {
	f.out = f.out[:0]
	data := chunk
	if len(f.tail) > 0 {
		data = string(f.tail) + chunk
		f.tail = f.tail[:0]
	}
	for i := 0; i < len(data); {
		if !utf8.FullRuneInString(data[i:]) {
			f.tail = append(f.tail, data[i:]...)
			break
		}
		r, n := utf8.DecodeRuneInString(data[i:])
		f.dirPut(r)
		i += n
	}
	return string(f.out)
}

// Flush ends the reply and returns the rest of the text; the Filter is then ready for a new one.
func (f *Filter) Flush() string {
	f.out = f.out[:0]
	for s := string(f.tail); len(s) > 0; {
		r, n := utf8.DecodeRuneInString(s) // a cut-off character decodes as U+FFFD, byte by byte
		f.dirPut(r)
		s = s[n:]
	}
	if f.dir.open {
		f.dirAbort() // an unclosed parenthetical is text that never closed, not an action
	}
	if f.tag.state == tagPrefix {
		f.tagAbort()
	}
	if !f.gap.removed {
		f.out = append(f.out, f.gap.before...)
	}
	s := string(f.out)
	*f = Filter{}
	return s
}

// dirStage holds a parenthetical until it is known to be a stage direction or text.
type dirStage struct {
	open   bool
	buf    []byte // content after "("
	letter bool
}

func (f *Filter) dirPut(r rune) {
	d := &f.dir
	if !d.open {
		if r == '(' {
			d.open, d.buf, d.letter = true, d.buf[:0], false
			return
		}
		f.tagPut(r)
		return
	}
	switch {
	case r == ')' && d.letter:
		d.open = false
		f.tagRemoved()
	case r == ')':
		f.dirAbort()
		f.tagPut(r)
	case inDirection(r) && len(d.buf)+utf8.RuneLen(r) <= maxDirection:
		d.buf = utf8.AppendRune(d.buf, r)
		d.letter = d.letter || unicode.IsLower(r)
	default:
		f.dirAbort()
		f.dirPut(r) // it may open another parenthetical or a tag
	}
}

func inDirection(r rune) bool {
	return unicode.IsLower(r) || r == ' ' || r == ',' || r == '\'' || r == '’' || r == '-'
}

// dirAbort passes a held parenthetical on as text.
func (f *Filter) dirAbort() {
	f.dir.open = false
	f.tagPut('(')
	for _, r := range string(f.dir.buf) {
		f.tagPut(r)
	}
}

type tagState uint8

const (
	tagText        tagState = iota
	tagPrefix               // after "[", matching a tag name
	tagRest                 // a tag was recognised; dropping up to "]"
	tagBlock                // inside a block; dropping
	tagBlockPrefix          // inside a block, after "[", matching a closing tag
	tagBlockClose           // a closing tag was recognised; dropping up to "]"
)

// tagStage recognises scene tags and drops blocks.
type tagStage struct {
	state   tagState
	held    []rune // runes after "[" while matching
	ghost   bool   // the "[" being matched was already emitted (see Filter)
	slash   bool
	name    []byte
	spaces  int
	closing bool
	attrs   bool
	last    rune // the last rune passed on to the gap stage
}

type match uint8

const (
	matchMore match = iota
	matchDone
	matchFail
)

// feed advances the tag-name matcher by one rune.
func (t *tagStage) feed(r rune) match {
	if len(t.name) == 0 {
		switch {
		case r == ' ' || r == '\t':
			if t.spaces++; t.spaces > maxTagSpace {
				return matchFail
			}
			return matchMore
		case r == '/' && !t.slash:
			t.slash = true
			return matchMore
		}
	}
	if r >= 'A' && r <= 'Z' {
		r += 'a' - 'A'
	}
	if r < 'a' || r > 'z' {
		return matchFail
	}
	t.name = append(t.name, byte(r))
	n := string(t.name)
	switch {
	case n == "scene" || n == "state":
		return matchDone
	case len(n) < 5 && ("scene"[:len(n)] == n || "state"[:len(n)] == n):
		return matchMore
	}
	return matchFail
}

func (t *tagStage) startMatch(state tagState, ghost bool) {
	t.state, t.ghost, t.held, t.slash, t.name, t.spaces = state, ghost, t.held[:0], false, t.name[:0], 0
}

func (f *Filter) tagPut(r rune) {
	t := &f.tag
	switch t.state {
	case tagText:
		if r == '[' {
			t.startMatch(tagPrefix, false)
			return
		}
		f.emit(r)
	case tagPrefix:
		switch t.feed(r) {
		case matchMore:
			t.held = append(t.held, r)
		case matchDone:
			t.state, t.closing, t.attrs = tagRest, t.slash, false
			f.gap.removed = true
		case matchFail:
			f.tagAbort()
			f.tagPut(r)
		}
	case tagRest:
		switch r {
		case ']':
			f.tagEnd()
		case '\n': // a tag does not span lines: the line break ends it and is kept
			f.tagEnd()
			f.tagPut(r)
		case ' ', '\t':
		default:
			t.attrs = true
		}
	case tagBlock:
		if r == '[' {
			t.startMatch(tagBlockPrefix, false)
		}
	case tagBlockPrefix:
		switch t.feed(r) {
		case matchMore:
		case matchDone:
			t.state = tagBlock // an opening tag inside a block opens nothing more
			if t.slash {
				t.state = tagBlockClose
			}
		case matchFail:
			t.state = tagBlock
			f.tagPut(r)
		}
	case tagBlockClose:
		switch r {
		case ']':
			f.tagResume()
		case '\n':
			f.tagResume()
			f.tagPut(r)
		}
	}
}

// tagAbort passes a "[" that turned out not to start a tag on as text.
func (f *Filter) tagAbort() {
	t := &f.tag
	t.state = tagText
	if !t.ghost {
		f.emit('[')
	}
	for _, r := range t.held {
		f.emit(r)
	}
}

// tagEnd finishes a recognised tag outside a block.
func (f *Filter) tagEnd() {
	if !f.tag.closing && !f.tag.attrs {
		f.tag.state = tagBlock
		return
	}
	f.tagResume()
}

// tagResume goes back to text after a removal; if the output now ends with "[", matching goes on
// from it, so a removal can never leave a tag behind in the output.
func (f *Filter) tagResume() {
	f.tag.state = tagText
	if f.tag.last == '[' {
		f.tag.startMatch(tagPrefix, true)
	}
}

// tagRemoved is told of a stage direction removed before this stage. It only matters to the gap
// stage, and only between text: inside a tag or a block the direction is gone either way.
func (f *Filter) tagRemoved() {
	if f.tag.state == tagText {
		f.gap.removed = true
	}
}

func (f *Filter) emit(r rune) {
	f.tag.last = r
	f.gapPut(r)
}

// gapStage holds whitespace back until the next visible character, to collapse it around removals.
type gapStage struct {
	before  []byte // whitespace before the first removal of this gap
	after   []byte // whitespace after it
	removed bool   // something was removed since the last visible character
	started bool   // a visible character was emitted
}

func (f *Filter) gapPut(r rune) {
	g := &f.gap
	if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
		switch {
		case g.removed:
			if len(g.after) < maxHeldSpace {
				g.after = append(g.after, byte(r))
			}
		case len(g.before) < maxHeldSpace:
			g.before = append(g.before, byte(r))
		default: // no removal in sight: what is held is final
			f.out = append(f.out, g.before...)
			g.before = append(g.before[:0], byte(r))
		}
		return
	}
	if g.removed {
		f.out = append(f.out, g.collapse(r)...)
	} else {
		f.out = append(f.out, g.before...)
	}
	f.out = utf8.AppendRune(f.out, r)
	g.before, g.after, g.removed, g.started = g.before[:0], g.after[:0], false, true
}

// collapse picks the whitespace kept where a removal joined two runs, before visible rune r.
func (g *gapStage) collapse(r rune) []byte {
	if !g.started {
		return nil
	}
	nb, na := countNewlines(g.before), countNewlines(g.after)
	switch {
	case na > nb:
		return g.after
	case nb > 0:
		return g.before
	case r == '.' || r == ',' || r == '!' || r == '?' || r == ';' || r == ':' || r == '…' || r == ')' || r == ']' || r == '}':
		return nil
	case len(g.before) > 0:
		return g.before
	}
	return g.after
}

func countNewlines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}
