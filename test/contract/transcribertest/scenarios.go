package transcribertest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/contract/porttest"
	"github.com/companionhub/companionhub/usecase/voice"
)

func testSpeech(t *testing.T, h Harness) {
	listen(t, h, h.New(t), h.Speech)
}

func testSilence(t *testing.T, h Harness) {
	if len(h.Silence.Data) == 0 {
		t.Skip("the harness has no recording without speech")
	}
	tr, err := h.New(t).Transcribe(t.Context(), h.Silence)
	require.NoError(t, err, "silence is no error")
	assert.Empty(t, strings.TrimSpace(tr.Text), "silence gave text")
	assert.GreaterOrEqual(t, tr.Duration, time.Duration(0), "Duration must not be negative")
}

func testEmpty(t *testing.T, h Harness) {
	tr := h.New(t)
	for name, data := range map[string][]byte{"nil": nil, "no bytes": {}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rec := h.Speech
			rec.Data = data
			_, err := tr.Transcribe(t.Context(), rec)
			require.Error(t, err)
			assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "kind of %v", err)
		})
	}
}

func testCancelled(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.New(t).Transcribe(ctx, h.Speech)
	porttest.RequireCancelled(t, err)
}

// testConcurrent transcribes four recordings at once with one transcriber, as a worker pool does.
func testConcurrent(t *testing.T, h Harness) {
	tr := h.New(t)
	var wg sync.WaitGroup
	out := make([]voice.Transcript, 4)
	errs := make([]error, len(out))
	for i := range out {
		wg.Go(func() { out[i], errs[i] = tr.Transcribe(t.Context(), h.Speech) })
	}
	wg.Wait()
	for i := range out {
		require.NoError(t, errs[i], "call %d", i)
		requireSays(t, h.Says, out[i])
	}
}

func testLanguage(t *testing.T, h Harness) {
	if !h.HonoursLanguage {
		t.Skip("the harness says the transcriber does not report the language it is told")
	}
	tr := h.New(t)
	for _, lang := range []string{"en", "fr"} {
		rec := h.Speech
		rec.Language = lang
		got, err := tr.Transcribe(t.Context(), rec)
		require.NoError(t, err, lang)
		assert.Equal(t, lang, got.Language, "the transcript's language with the hint %q", lang)
	}
}

// listen transcribes rec and checks it says what the harness says.
func listen(t *testing.T, h Harness, tr voice.Transcriber, rec voice.Recording) voice.Transcript {
	t.Helper()
	got, err := tr.Transcribe(t.Context(), rec)
	require.NoError(t, err)
	requireSays(t, h.Says, got)
	return got
}

func requireSays(t *testing.T, says string, got voice.Transcript) {
	t.Helper()
	require.NotEmpty(t, strings.TrimSpace(got.Text), "speech gave no text")
	assert.Contains(t, normalise(got.Text), normalise(says), "the transcript %q", got.Text)
	assert.GreaterOrEqual(t, got.Duration, time.Duration(0), "Duration must not be negative")
	assert.Equal(t, strings.TrimSpace(got.Language), got.Language, "Language has no spaces around it")
}

// normalise lowers s and keeps its letters and digits, one space between words.
func normalise(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}), " ")
}
