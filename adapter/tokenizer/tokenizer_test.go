package tokenizer_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/adapter/tokenizer"
	"github.com/companionhub/companionhub/test/contract/tokencountertest"
)

func TestConformance(t *testing.T) {
	tokencountertest.Run(t, tokenizer.New())
}

// TestKnownSentences compares the estimate with real token counts. The counts were measured with
// tiktoken's cl100k_base (github.com/pkoukk/tiktoken-go with its offline vocabulary); o200k_base
// gives the same for the English ones and fewer for the rest.
func TestKnownSentences(t *testing.T) {
	cases := []struct {
		text  string
		cl100 int
	}{
		{"The quick brown fox jumps over the lazy dog.", 10},
		{"Hello! How are you today?", 7},
		{"*She smiles and takes your hand.* I missed you so much! Let's go for a walk by the river, okay?", 26},
		{"I don't know what you're talking about, but I'd love to hear more.", 18},
		{"func (h Heuristic) Count(text string) int { return len(text) / 4 }", 20},
		{`{"mood":"happy","location":"the kitchen","is_user_present":true}`, 17},
		{"Le gardien du phare n'avait parlé à personne depuis trois semaines.", 18},
		{"Смотритель маяка не разговаривал ни с кем почти три недели.", 26},
		{"灯塔看守人已经将近三个星期没有和任何人说过话了。", 26},
		{"おはようございます！今日はいい天気ですね。", 18},
		{"Good morning! 😊☀️ I made pancakes 🥞", 14},
		{"Your order #48213 shipped on 2024-03-17 and costs $1,249.99.", 23},
	}
	h := tokenizer.Heuristic{}
	for _, c := range cases {
		got := h.Count(c.text)
		assert.InDelta(t, c.cl100, got, 0.25*float64(c.cl100), "%q: estimated %d, cl100k_base %d", c.text, got, c.cl100)
	}
}

// TestRules pins the rules the documentation states, so a change to them is deliberate.
func TestRules(t *testing.T) {
	cases := []struct {
		text string
		want int
	}{
		{"", 0},
		{"hello", 1},
		{"hello world", 2},  // the space joins the word after it
		{"hello world ", 3}, // a trailing space does not
		{"beautiful", 2},    // past seven letters
		{"fitHistory", 2},   // camelCase parts
		{"don't", 2},        // "don" "'t"
		{"12345", 2},        // "123" "45"
		{"in 2024", 4},      // "in" " " "202" "4": digits take no space
		{"...", 1},          //
		{"Hi.\nBye.", 4},    // punctuation takes the line break
		{"Hi\n\nBye", 3},    //
		{"    x", 2},        // indentation
		{"привет", 3},       // two Cyrillic letters a token
		{"中文", 2},           //
		{"😊", 3},            //
		{"☀️", 3},           // a three-byte symbol and its variation selector
		{"\xff\xfe", 2},     // bytes that are not UTF-8
		{"\x00", 1},         //
		{"a\u00a0b", 3},     // a no-break space is not a joining space
		{"it\u2019s", 2},    // a curly apostrophe joins like a straight one
		{"\u0301", 1},       // a lone combining mark
		{strings.Repeat("a", 40), 1 + (40-7+3)/4},
	}
	h := tokenizer.Heuristic{}
	for _, c := range cases {
		assert.Equal(t, c.want, h.Count(c.text), "%q", c.text)
	}
}

func TestNoAllocations(t *testing.T) {
	text := strings.Repeat(corpus, 4)
	allocs := testing.AllocsPerRun(100, func() { tokenizer.New().Count(text) })
	assert.Zero(t, allocs)
}

// FuzzCount checks what must hold for any input: no panic, nothing free but nothing, and at most
// a token per byte, as with a real byte-level vocabulary.
func FuzzCount(f *testing.F) {
	for _, s := range strings.Split(corpus, "\n") {
		f.Add(s)
	}
	f.Add("\xff\xc3\x28 \xe2\x82\xf0\x9f\x98")
	f.Fuzz(func(t *testing.T, s string) {
		n := tokenizer.Heuristic{}.Count(s)
		if s == "" && n != 0 || s != "" && n < 1 {
			t.Fatalf("Count(%q) = %d", s, n)
		}
		if n > len(s) {
			t.Fatalf("Count(%q) = %d, more than its %d bytes", s, n, len(s))
		}
	})
}

// corpus mixes the kinds of text a conversation holds.
const corpus = `*She looks up from her book and smiles, tucking a strand of hair behind her ear.* Oh, you're back! I was starting to think you'd forgotten about me. How was your day? Did the meeting go okay?
"Are you sure about this?" Mira asked, glancing at the map again. "The river crossing is at least two days north, and the bridge might be gone after the floods."
{"outfit":["white blouse","denim skirt"],"location":"a small café by the river","mood":"content","is_user_present":true}
func fitHistory(ctx context.Context, budget int) (fittedHistory, error) {
	for budget > 0 {
		page, err := msgs.Recent(ctx, companionID, before, historyPage)
	}
}
Le gardien du phare n'avait parlé à personne depuis presque trois semaines, et il commençait à remarquer que le silence le changeait.
Смотритель маяка не разговаривал ни с кем почти три недели и начал замечать, что тишина меняет его.
灯塔看守人已经将近三个星期没有和任何人说过话了，他开始注意到寂静正在改变他。
Good morning!! ☀️😊 Did you sleep well? I made pancakes 🥞🥞 and coffee ☕ — come downstairs before they get cold! ❤️ 👩‍❤️‍👨 👍🏽
Order #48213 shipped on 2024-03-17 at 14:05 UTC: 3 × item 99812 at $1,249.99 each, total $3,749.97 (tax 8.25%).
`

func BenchmarkCount(b *testing.B) {
	text := strings.Repeat(corpus, 16) // about 20 KB, a long conversation's worth of messages
	h := tokenizer.New()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		h.Count(text)
	}
}

func BenchmarkCountMessage(b *testing.B) {
	msg := "*She smiles and takes your hand.* I missed you so much! Let's go for a walk by the river, okay?"
	h := tokenizer.New()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		h.Count(msg)
	}
}
