package chat

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guardRoom is the room most cases are written for.
func guardRoom() SpeakerGuard {
	return SpeakerGuard{Self: "Mia", Others: []string{"Bob", "Luna Star", "Zoë", "Al Green"}}
}

// guardChunks runs a reply through g cut into the given chunks and returns everything it passed
// on and whether it stopped; it also checks that a stopped guard stays stopped.
func guardChunks(t testing.TB, g SpeakerGuard, chunks []string) (string, bool) {
	t.Helper()
	var b strings.Builder
	stopped := false
	for _, c := range chunks {
		out, stop := g.Write(c)
		if stopped {
			require.True(t, stop, "a stopped guard stays stopped")
			require.Empty(t, out, "a stopped guard passes nothing on")
		}
		b.WriteString(out)
		stopped = stop
	}
	rest := g.Flush()
	if stopped {
		require.Empty(t, rest, "nothing is flushed after a stop")
	}
	b.WriteString(rest)
	return b.String(), stopped
}

// randomChunks cuts s into chunks of 1 to 8 bytes, possibly inside a UTF-8 character.
func randomChunks(s string, rng *rand.Rand) []string {
	var chunks []string
	for len(s) > 0 {
		n := min(rng.IntN(8)+1, len(s))
		chunks, s = append(chunks, s[:n]), s[n:]
	}
	return chunks
}

func TestSpeakerGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, self string
		others     []string // the room's Others when set
		in, want   string
		stop       bool
	}{
		{name: "plain text passes", in: "Hi there!\nHow are you?", want: "Hi there!\nHow are you?"},
		{name: "whitespace and blank lines pass", in: "  a\n\n\tb \n", want: "  a\n\n\tb \n"},
		{name: "another's label first", in: "Bob: hi", stop: true},
		{name: "another's label on a later line", in: "Sure!\nBob: hi", want: "Sure!\n", stop: true},
		{name: "bold label", in: "**Bob:** hi", stop: true},
		{name: "bold name before colon", in: "**Bob**: hi", stop: true},
		{name: "bracketed label", in: "[Bob]: hi", stop: true},
		{name: "underscore labels", in: "_Bob_: a\n__Bob__: b", stop: true},
		{name: "spaces around the label", in: "ok\n  Bob\t : hi", want: "ok\n  ", stop: true},
		{name: "own label removed", in: "Mia: hello", want: "hello"},
		{name: "own bold label removed", in: "**Mia:** hello\n[Mia]: again", want: "hello\nagain"},
		{name: "own label is a line start again", in: "Mia: Bob: hi", stop: true},
		{name: "own label then a line break", in: "Mia:\nhello", want: "\nhello"},
		{name: "own label keeps an action", in: "Mia: *waves* hi", want: "*waves* hi"},
		{name: "longer name is text", in: "Bobby: x", want: "Bobby: x"},
		{name: "name without colon is text", in: "Bob says: hi", want: "Bob says: hi"},
		{name: "first word of a multi-word name", in: "Luna: x", stop: true},
		{name: "full multi-word name", in: "ok\nluna star: x", want: "ok\n", stop: true},
		{name: "short first word is not a label", in: "Al: x", want: "Al: x"},
		{name: "first word shared with self is self", self: "Luna Moon", in: "Luna: hi", want: "hi"},
		{name: "name inside a line", in: "I told Bob: no", want: "I told Bob: no"},
		{name: "case-insensitive", in: "BOB: hi", stop: true},
		{name: "unicode name", in: "Zoë: salut", stop: true},
		{name: "unicode folding", in: "ZOË: salut", stop: true},
		{name: "line break before colon", in: "Bob\n: hi", want: "Bob\n: hi"},
		{name: "text after the stop is ignored", in: "Hi\nBob: hi\nMia: more\n", want: "Hi\n", stop: true},
		{name: "held prefix flushed", in: "Bo", want: "Bo"},
		{name: "held marker flushed", in: "ok\n**", want: "ok\n**"},
		{name: "too many markers", in: "****Bob: x", want: "****Bob: x"},
		{name: "names without letters ignored", others: []string{"", "  ", "123"}, in: "123: go", want: "123: go"},
		{name: "invalid UTF-8 becomes U+FFFD", in: "a\xffb\xe2\x82", want: "a\uFFFDb\uFFFD\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := guardRoom()
			if tt.self != "" {
				g.Self = tt.self
			}
			if tt.others != nil {
				g.Others = tt.others
			}
			out, stop := guardChunks(t, g, []string{tt.in})
			assert.Equal(t, tt.want, out)
			assert.Equal(t, tt.stop, stop)
		})
	}
}

func TestSpeakerGuardStopReturnsTextBefore(t *testing.T) {
	t.Parallel()
	g := guardRoom()
	out, stop := g.Write("Sure")
	assert.Equal(t, "Sure", out)
	assert.False(t, stop)
	out, stop = g.Write(" thing.\n**B")
	assert.Equal(t, " thing.\n", out, "the possible label is held back")
	assert.False(t, stop)
	out, stop = g.Write("ob:** hi")
	assert.Empty(t, out)
	assert.True(t, stop)
	out, stop = g.Write("more")
	assert.Empty(t, out)
	assert.True(t, stop)
	assert.Empty(t, g.Flush())
}

var guardInputs = []string{
	"Hi there!\nHow are you?",
	"Sure!\nBob: hi\nMia: no",
	"**Mia:** hello\n  [Mia]:\tagain\n**Bob**: stop",
	"Mia: Zoë said: ZOË: hi",
	"Bobby: x\nLuna Sta\nLuna Star :x",
	"héllo 👋\nZoë\n: no\n_Zo",
	"a\xffb\xe2\x82\nMi\xc3",
	"***Bob:***\n",
}

func TestSpeakerGuardChunkInvariance(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, in := range guardInputs {
		want, wantStop := guardChunks(t, guardRoom(), []string{in})
		for i := 0; i <= len(in); i++ {
			out, stop := guardChunks(t, guardRoom(), []string{in[:i], in[i:]})
			require.Equal(t, want, out, "%q cut at %d", in, i)
			require.Equal(t, wantStop, stop, "%q cut at %d", in, i)
		}
		for range 50 {
			chunks := randomChunks(in, rng)
			out, stop := guardChunks(t, guardRoom(), chunks)
			require.Equal(t, want, out, "%q cut as %q", in, chunks)
			require.Equal(t, wantStop, stop, "%q cut as %q", in, chunks)
		}
	}
}

func FuzzSpeakerGuard(f *testing.F) {
	for i, in := range guardInputs {
		f.Add(in, "Ed Wood", uint64(i))
	}
	f.Add("x\nEd: hi", "Ed", uint64(9))
	f.Add("Eddie Wood: hi\nEddie: x", "Eddie Wood", uint64(10))
	f.Fuzz(func(t *testing.T, in, other string, seed uint64) {
		g := guardRoom()
		g.Others = append(g.Others, other)
		want, wantStop := guardChunks(t, g, []string{in})
		out, stop := guardChunks(t, g, randomChunks(in, rand.New(rand.NewPCG(seed, 0))))
		require.Equal(t, want, out, "chunk invariance")
		require.Equal(t, wantStop, stop, "chunk invariance")
		for _, line := range strings.Split(out, "\n") {
			require.False(t, hasOthersLabel(line, g), "line %q of %q starts with another's label", line, out)
		}
	})
}

// hasOthersLabel is an independent check that line starts with a label naming one of g.Others.
func hasOthersLabel(line string, g SpeakerGuard) bool {
	selfFirst := strings.Fields(g.Self + " ")[0]
	var names [][]rune
	for _, o := range g.Others {
		o = strings.TrimSpace(o)
		if !strings.ContainsFunc(o, unicode.IsLetter) || strings.Contains(o, "\n") {
			continue
		}
		names = append(names, []rune(o))
		if f := strings.Fields(o); len(f) > 1 && letters(f[0]) >= 3 && !strings.EqualFold(f[0], selfFirst) {
			names = append(names, []rune(f[0]))
		}
	}
	rs := []rune(strings.TrimLeft(line, " \t"))
	for k := 0; k <= 3 && k <= len(rs); k++ {
		if k > 0 && !strings.ContainsRune("*_[", rs[k-1]) {
			break
		}
		for _, name := range names {
			j := k + len(name)
			if j > len(rs) || !strings.EqualFold(string(rs[k:j]), string(name)) {
				continue
			}
			for c := 0; c < 3 && j < len(rs) && strings.ContainsRune("*_]", rs[j]); c++ {
				j++
			}
			for c := 0; c < 8 && j < len(rs) && (rs[j] == ' ' || rs[j] == '\t'); c++ {
				j++
			}
			if j < len(rs) && rs[j] == ':' {
				return true
			}
		}
	}
	return false
}

// The fuzz property is only as good as its check; this keeps the check able to fail.
func TestSpeakerGuardLabelCheck(t *testing.T) {
	t.Parallel()
	g := guardRoom()
	for _, line := range []string{"Bob: hi", "  **bob**\t: hi", "[ZOË]: x", "luna: x", "__Luna Star:__ x"} {
		assert.True(t, hasOthersLabel(line, g), line)
	}
	for _, line := range []string{"Bobby: hi", "I told Bob: no", "Al: x", "Mia: x", "****Bob: x", "Bob"} {
		assert.False(t, hasOthersLabel(line, g), line)
	}
}
