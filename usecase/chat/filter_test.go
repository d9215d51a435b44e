package chat

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// filterAll runs the whole reply through a Filter in one Write.
func filterAll(s string) string {
	var f Filter
	return f.Write(s) + f.Flush()
}

// filterChunks runs the reply through a Filter cut at the given sizes (cycled).
func filterChunks(s string, sizes []byte) string {
	var f Filter
	var b strings.Builder
	for i := 0; len(s) > 0; i++ {
		n := 1
		if len(sizes) > 0 {
			n = int(sizes[i%len(sizes)])%16 + 1
		}
		n = min(n, len(s))
		b.WriteString(f.Write(s[:n]))
		s = s[n:]
	}
	b.WriteString(f.Flush())
	return b.String()
}

func TestFilter(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain text untouched", "Hi there!\nHow are you?", "Hi there!\nHow are you?"},
		{"whitespace kept exactly", "  lead\tand  double\r\n\n\ntrail  \n", "  lead\tand  double\r\n\n\ntrail  \n"},
		{"stage direction mid-sentence", "Hello (laughs softly) there", "Hello there"},
		{"stage direction at the start", "(smiles) Hi!", "Hi!"},
		{"stage direction before punctuation", "Oh, stop it (giggles).", "Oh, stop it."},
		{"stage direction at the end", "See you soon (waves)", "See you soon"},
		{"stage direction inside a word", "hel(x)lo", "hello"},
		{"two stage directions", "Hi (laughs) (winks) you", "Hi you"},
		{"apostrophes, commas, hyphens", "Well (she's grinning, half-asleep) hi", "Well hi"},
		{"curly apostrophe", "Well (she’s grinning) hi", "Well hi"},
		{"lower-case letters of any script", "Bien (rit doucement, gênée) oui (lächelt)", "Bien oui"},
		{"capital letter is text", "Hi (Laughs) there", "Hi (Laughs) there"},
		{"pronoun is text", "Fine (I mean it).", "Fine (I mean it)."},
		{"digits are text", "I have (2) cats", "I have (2) cats"},
		{"punctuation is text", "as I said (see: above)", "as I said (see: above)"},
		{"empty and blank parentheses are text", "() and ( )", "() and ( )"},
		{"a line break ends a parenthetical", "(laughs\nsoftly)", "(laughs\nsoftly)"},
		{"unclosed parenthetical at the end is text", "Wait (laughs softly", "Wait (laughs softly"},
		{"long parenthetical is text", "A (" + strings.Repeat("very ", 30) + "long) aside",
			"A (" + strings.Repeat("very ", 30) + "long) aside"},
		{"nested opens restart", "((laughs)) ok", "() ok"},
		{"asterisk actions kept", "*smiles* hi", "*smiles* hi"},
		{"emoji and accents", "héllo (rit) 👋 ça va", "héllo 👋 ça va"},
		{"scene block", "Sure.\n\n[SCENE]\noutfit: red dress\nmood: happy\n[/SCENE]\n\nShall we?", "Sure.\n\nShall we?"},
		{"block at the start", "[SCENE]x[/SCENE]\n\nHello", "Hello"},
		{"block at the end", "Hello there.\n\n[STATE]\nmood: flirty\n[/STATE]\n", "Hello there."},
		{"state block, lower case, spaces", "A [ state ]b[ / State ] C", "A C"},
		{"either name closes either", "A [SCENE]b[/STATE] C", "A C"},
		{"block never closes", "Hi [SCENE] outfit: dress\nmore\nand more", "Hi"},
		{"annotation with attributes", "Hi [Scene: bedroom, evening] there", "Hi there"},
		{"annotation with key=value", "[SCENE outfit=\"dress\"]\nHello", "Hello"},
		{"scenery tag is removed too", "[Scenery] a forest", "a forest"},
		{"stray closing tag", "Bye [/SCENE]", "Bye"},
		{"unterminated tag ends at the line", "[Scene: bedroom\nHello", "Hello"},
		{"other brackets are text", "array[0] and [link] and [1]", "array[0] and [link] and [1]"},
		{"markdown link keeps url", "[site](https://x.test/a)", "[site](https://x.test/a)"},
		{"brackets inside block", "a[SCENE][x] [y][/SCENE]b", "ab"},
		{"nested opening inside block", "a [SCENE] [SCENE] x [/SCENE] b", "a b"},
		{"unfinished bracket at the end is text", "look [sce", "look [sce"},
		{"direction inside a block", "a [SCENE](laughs)[/SCENE] b", "a b"},
		{"direction inside a tag name", "[(laughs)SCENE]x[/SCENE]ok", "ok"},
		{"removal cannot form a tag", "[[SCENE]x[/SCENE]SCENE] y", "["},
		{"removal cannot form a tag after a stray closer", "[[/SCENE]scene", "["},
		{"blank lines around a removed paragraph", "One.\n\n(sighs)\n\nTwo.", "One.\n\nTwo."},
		{"more line breaks win", "One. [SCENE]x[/SCENE]\n\nTwo.", "One.\n\nTwo."},
		{"invalid bytes become replacement characters", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, filterAll(tt.in))
			assert.Equal(t, tt.want, filterChunks(tt.in, nil), "one byte at a time")
			assert.Equal(t, tt.want, filterChunks(tt.in, []byte{2, 0, 6}), "odd chunks")
		})
	}
}

func TestFilterNeverSplitsACharacter(t *testing.T) {
	t.Parallel()
	var f Filter
	wave := "👋"
	assert.Equal(t, "", f.Write(wave[:1]), "a partial character is held back")
	assert.Equal(t, "", f.Write(wave[1:3]))
	assert.Equal(t, wave+"!", f.Write(wave[3:]+"!"))
	assert.Equal(t, "", f.Flush())
}

func TestFilterCutCharacterAtTheEnd(t *testing.T) {
	t.Parallel()
	var f Filter
	out := f.Write("ok " + "👋"[:2])
	out += f.Flush()
	assert.True(t, utf8.ValidString(out))
	assert.Equal(t, "ok \uFFFD\uFFFD", out)
}

func TestFilterStreamsPromptly(t *testing.T) {
	t.Parallel()
	var f Filter
	assert.Equal(t, "Hello", f.Write("Hello"))
	assert.Equal(t, "", f.Write(" "), "whitespace waits for what follows")
	assert.Equal(t, "", f.Write("(laughs"), "a possible stage direction waits")
	assert.Equal(t, "", f.Write(")"))
	assert.Equal(t, " there", f.Write(" there"))
	assert.Equal(t, " (Hi", f.Write(" (Hi"), "text in parentheses goes out once it is known to be text")
	assert.Equal(t, "", f.Write(" [sc"))
	assert.Equal(t, " [scary", f.Write("ary"))
	assert.Equal(t, "", f.Flush())
}

func TestFilterIsReusableAfterFlush(t *testing.T) {
	t.Parallel()
	var f Filter
	_ = f.Write("a [SCENE] never closed")
	assert.Equal(t, "", f.Flush())
	assert.Equal(t, "fresh", f.Write("fresh")+f.Flush())
}

func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		"Hello (laughs softly) there", "[SCENE]\nx\n[/SCENE]\nHi", "[[SCENE]x[/SCENE]SCENE]", "a (b) [c] d",
		"héllo 👋\xff", "(" + strings.Repeat("a", 130) + ")", "[ / sTaTe ]", "\n\n(x)\n\n", "[(a)scene",
	} {
		f.Add(s, []byte{1, 3, 7})
	}
	f.Fuzz(func(t *testing.T, in string, sizes []byte) {
		whole := filterAll(in)
		require.Equal(t, whole, filterChunks(in, sizes), "chunking changed the text")
		require.True(t, utf8.ValidString(whole))
		lower := strings.ToLower(whole)
		require.NotContains(t, lower, "[scene")
		require.NotContains(t, lower, "[state")
		if !strings.ContainsAny(in, "([") && utf8.ValidString(in) {
			require.Equal(t, in, whole, "nothing to remove, so nothing may change")
		}
	})
}
