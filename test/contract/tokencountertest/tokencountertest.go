// Package tokencountertest is the conformance suite of the chat use cases' TokenCounter port.
// Every implementation — adapter/tokenizer and any third-party one, exact or estimated — runs it
// from a test:
//
//	func TestConformance(t *testing.T) { tokencountertest.Run(t, mycounter.New()) }
//
// It checks what the history-fitting code relies on, not accuracy against one vocabulary (an
// implementation tests that itself): nothing is free but nothing, counts grow with the text
// and are about additive (fitting messages one by one must not drift far from counting them
// together), English costs what real tokenizers make of it within a factor of two, and no input,
// however large or malformed, makes a counter panic or give up.
package tokencountertest

import (
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/usecase/chat"
)

// samples are texts of every shape a conversation holds. Their count is known to be positive.
var samples = []string{
	"a", " ", "\n", ".", "7", "é", "中", "😊", "\xff",
	"Hello! How are you today?",
	"The quick brown fox jumps over the lazy dog.",
	"*She smiles and takes your hand.* I missed you so much! Let's go for a walk by the river, okay?",
	"I don't know what you're talking about, but I'd love to hear more.",
	"Your order #48213 shipped on 2024-03-17 and costs $1,249.99.",
	"func (h Heuristic) Count(text string) int {\n\treturn len(text) / 4\n}\n",
	`{"mood":"happy","location":"the kitchen","is_user_present":true}`,
	"Le gardien du phare n'avait parlé à personne depuis trois semaines.",
	"Der Leuchtturmwärter hatte seit fast drei Wochen mit niemandem gesprochen.",
	"Смотритель маяка не разговаривал ни с кем почти три недели.",
	"灯塔看守人已经将近三个星期没有和任何人说过话了。",
	"おはようございます！今日はいい天気ですね。",
	"등대지기는 거의 삼 주 동안 아무와도 말을 하지 않았다.",
	"Good morning! 😊☀️ I made pancakes 🥞 👩‍❤️‍👨 👍🏽",
	"## Summary\n\n- **Outfit:** white blouse\n- **Mood:** content\n\n> \"I've been waiting,\" she said.\n",
	"    indented\n\t\ttabs\r\n\r\nand blank lines   \n",
	"COMPANIONHUB_DATABASE_URL=postgres://hub:secret@localhost:5432/hub?sslmode=disable",
	"invalid \xc3\x28 utf-8 \xe2\x82 here \xf0\x28\x8c\xbc and \x80\x80",
}

// english is ordinary prose; real tokenizers (cl100k_base, o200k_base) spend 0.2–0.25 tokens per
// character on it.
const english = `The lighthouse keeper had not spoken to another person in almost three weeks, and he had begun to notice that the silence was changing him. At first it had been a relief: no questions, no small talk, nothing but the wind and the slow turning of the lamp. Now, though, he caught himself answering the gulls, and once, late at night, he realised he had been arguing with the radio for a quarter of an hour. When the supply boat finally appeared on the horizon, he watched it for a long time before going down to the jetty. "You look terrible," the captain said, tossing him the rope. "Have you been sleeping at all?" `

// Run runs the suite against counter, which must be safe for concurrent use (the port is shared
// by every turn).
func Run(t *testing.T, counter chat.TokenCounter) {
	t.Run("EmptyIsFree", func(t *testing.T) {
		t.Parallel()
		assert.Equal(t, 0, counter.Count(""))
	})

	t.Run("AnythingElseCosts", func(t *testing.T) {
		t.Parallel()
		for _, s := range samples {
			assert.GreaterOrEqual(t, counter.Count(s), 1, "%q", s)
		}
	})

	t.Run("Deterministic", func(t *testing.T) {
		t.Parallel()
		for _, s := range samples {
			assert.Equal(t, counter.Count(s), counter.Count(s), "%q", s)
		}
	})

	t.Run("AboutAdditive", func(t *testing.T) {
		// History is fitted one message at a time; the sum of the parts must stay close to the
		// whole, whichever way a text is cut.
		t.Parallel()
		check := func(a, b string) {
			t.Helper()
			ca, cb, cab := counter.Count(a), counter.Count(b), counter.Count(a+b)
			assert.LessOrEqual(t, cab, ca+cb+1, "Count(%q + %q) = %d; parts %d + %d", a, b, cab, ca, cb)
			assert.GreaterOrEqual(t, cab, max(ca, cb)-1, "Count(%q + %q) = %d; parts %d + %d", a, b, cab, ca, cb)
		}
		for _, a := range samples {
			for _, b := range samples {
				check(a, b)
			}
		}
		for _, s := range samples {
			if !utf8.ValidString(s) {
				continue
			}
			for i := range s { // every rune boundary
				check(s[:i], s[i:])
			}
		}
	})

	t.Run("GrowsWithText", func(t *testing.T) {
		t.Parallel()
		prev := 0
		for n := 1; n <= 64; n *= 2 {
			c := counter.Count(strings.Repeat(english, n))
			assert.Greater(t, c, prev, "%d copies of a paragraph must cost more than %d", n, n/2)
			prev = c
		}
	})

	t.Run("EnglishIsPlausible", func(t *testing.T) {
		t.Parallel()
		text := strings.Repeat(english, 4000/len(english)+1)[:4000]
		c := counter.Count(text)
		assert.GreaterOrEqual(t, c, 500, "4000 characters of English")
		assert.LessOrEqual(t, c, 2000, "4000 characters of English")
	})

	t.Run("SurvivesAnyBytes", func(t *testing.T) {
		t.Parallel()
		bad := []string{"\xff", "\xc3", "\xe2\x82", "\xf0\x9f\x98", "\xed\xa0\x80", "\xc0\xaf", "\x00", "\x00\x01\x1b[31m"}
		for _, s := range bad {
			assert.NotPanics(t, func() { counter.Count(s) }, "%q", s)
			assert.GreaterOrEqual(t, counter.Count(s), 1, "%q", s)
		}
		var all strings.Builder
		for b := range 256 {
			all.WriteByte(byte(b))
		}
		assert.NotPanics(t, func() { counter.Count(all.String()) }, "every byte value")
	})

	t.Run("HugeInput", func(t *testing.T) {
		t.Parallel()
		const size = 1 << 20
		mixed := strings.Join(samples, " ")
		for name, text := range map[string]string{
			"english":  strings.Repeat(english, size/len(english)+1)[:size],
			"mixed":    strings.Repeat(mixed, size/len(mixed)+1)[:size],
			"one word": strings.Repeat("a", size),
			"spaces":   strings.Repeat(" ", size),
		} {
			var c int
			assert.NotPanics(t, func() { c = counter.Count(text) }, name)
			assert.Greater(t, c, 0, name)
			// A byte-level vocabulary spends at most a token per byte; allow an estimate twice that.
			assert.LessOrEqual(t, c, 2*size, name)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		want := make([]int, len(samples))
		for i, s := range samples {
			want[i] = counter.Count(s)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for i, s := range samples {
					assert.Equal(t, want[i], counter.Count(s), "%q", s)
				}
			})
		}
		wg.Wait()
	})
}
