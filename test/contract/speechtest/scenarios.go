package speechtest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/contract/porttest"
	"github.com/companionhub/companionhub/usecase/voice"
)

func testSentence(t *testing.T, h Harness) {
	speak(t, h.New(t), h.request(sentence))
}

// testDuration compares a sentence with a paragraph three times as long. Backends that cannot
// tell a duration (0) have nothing to compare.
func testDuration(t *testing.T, h Harness) {
	s := h.New(t)
	short := speak(t, s, h.request(sentence))
	if short.Duration == 0 {
		t.Skip("the synthesizer does not report durations")
	}
	long := speak(t, s, h.request(strings.Repeat(sentence+" ", 3)))
	assert.GreaterOrEqual(t, long.Duration, short.Duration, "a longer text gave shorter audio")
}

// testUnicode speaks what companions do say: names with accents, other scripts, emoji. A backend
// that cannot pronounce a character skips it; refusing the whole reply is a bug.
func testUnicode(t *testing.T, h Harness) {
	s := h.New(t)
	for _, text := range []string{
		"Zoë et François mangent des crêpes à Montréal.",
		"Guten Morgen, Jürgen! Schön, dich zu sehen. 😊",
		"I'm so happy 🌧️☕ — rain and coffee!",
	} {
		speak(t, s, h.request(text))
	}
}

func testEmpty(t *testing.T, h Harness) {
	s := h.New(t)
	for _, text := range []string{"", " ", "\n\t  \u00a0"} {
		t.Run(fmt.Sprintf("%q", text), func(t *testing.T) {
			t.Parallel()
			_, err := s.Synthesize(t.Context(), h.request(text))
			require.Error(t, err)
			assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "kind of %v", err)
		})
	}
}

func testCancelled(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.New(t).Synthesize(ctx, h.request(sentence))
	porttest.RequireCancelled(t, err)
}

func testSameBytes(t *testing.T, h Harness) {
	if !h.Deterministic {
		t.Skip("the harness says the synthesizer is not deterministic")
	}
	s := h.New(t)
	a, b := speak(t, s, h.request(sentence)), speak(t, s, h.request(sentence))
	assert.True(t, bytes.Equal(a.Data, b.Data), "the same request gave different bytes")
	assert.Equal(t, a.ContentType, b.ContentType)
	assert.Equal(t, a.Duration, b.Duration)
}

// testConcurrent speaks four texts at once with one synthesizer, as a worker pool does.
func testConcurrent(t *testing.T, h Harness) {
	s := h.New(t)
	var wg sync.WaitGroup
	audio := make([]voice.Audio, 4)
	errs := make([]error, len(audio))
	for i := range audio {
		wg.Go(func() {
			audio[i], errs[i] = s.Synthesize(t.Context(), h.request(fmt.Sprintf("This is message number %d. %s", i+1, sentence)))
		})
	}
	wg.Wait()
	for i, a := range audio {
		require.NoError(t, errs[i], "call %d", i)
		requireAudio(t, a)
	}
}
