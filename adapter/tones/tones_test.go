package tones

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/contract/speechtest"
	"github.com/companionhub/companionhub/usecase/voice"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	speechtest.Run(t, speechtest.Harness{
		New:           func(*testing.T) voice.Synthesizer { return New() },
		VoiceID:       "alto",
		Deterministic: true,
	})
}

func speak(t *testing.T, req voice.Request) voice.Audio {
	t.Helper()
	a, err := New().Synthesize(t.Context(), req)
	require.NoError(t, err)
	return a
}

// samples decodes the PCM of a WAV the synthesizer made.
func samples(a voice.Audio) []int16 {
	pcm := a.Data[headerSize:]
	out := make([]int16, len(pcm)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(pcm[2*i:]))
	}
	return out
}

// TestDurationIsExact: "Hi," is 2 letters (120 ms), "there!" 5 (300 ms), with a 40 ms gap.
func TestDurationIsExact(t *testing.T) {
	t.Parallel()
	a := speak(t, voice.Request{Text: "  Hi,\n there!  "})
	assert.Equal(t, 460*time.Millisecond, a.Duration)
	assert.Len(t, a.Data, headerSize+2*sampleRate*460/1000)
}

func TestToneLengthsAreBounded(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 80*time.Millisecond, speak(t, voice.Request{Text: "a"}).Duration)
	assert.Equal(t, 80*time.Millisecond, speak(t, voice.Request{Text: "🙂"}).Duration)
	assert.Equal(t, 600*time.Millisecond, speak(t, voice.Request{Text: "Donaudampfschifffahrtsgesellschaft"}).Duration)
}

func TestHeaderDescribesTheAudio(t *testing.T) {
	t.Parallel()
	a := speak(t, voice.Request{Text: "hello there"})
	le := binary.LittleEndian
	d := a.Data
	assert.Equal(t, "RIFF", string(d[0:4]))
	assert.Equal(t, uint32(len(d)-8), le.Uint32(d[4:]))
	assert.Equal(t, "WAVEfmt ", string(d[8:16]))
	assert.Equal(t, []uint16{1, 1}, []uint16{le.Uint16(d[20:]), le.Uint16(d[22:])}, "PCM, mono")
	assert.Equal(t, uint32(22050), le.Uint32(d[24:]))
	assert.Equal(t, uint32(44100), le.Uint32(d[28:]))
	assert.Equal(t, []uint16{2, 16}, []uint16{le.Uint16(d[32:]), le.Uint16(d[34:])})
	assert.Equal(t, "data", string(d[36:40]))
	assert.Equal(t, uint32(len(d)-headerSize), le.Uint32(d[40:]))
}

func TestAlwaysAnswersWAV(t *testing.T) {
	t.Parallel()
	for _, f := range []media.ContentType{{}, media.MP3, media.OGG, media.WAV} {
		assert.Equal(t, media.WAV, speak(t, voice.Request{Text: "hello", Format: f}).ContentType, "asked for %q", f)
	}
}

func TestVoicesDiffer(t *testing.T) {
	t.Parallel()
	text := "the quick brown fox jumps over the lazy dog"
	a, b := speak(t, voice.Request{Text: text, VoiceID: "alto"}), speak(t, voice.Request{Text: text, VoiceID: "tenor"})
	assert.Equal(t, a.Duration, b.Duration, "a voice changes the pitch, not the rhythm")
	assert.NotEqual(t, a.Data, b.Data)
}

func TestPunctuationAndCaseDoNotChangeAWord(t *testing.T) {
	t.Parallel()
	a, b := speak(t, voice.Request{Text: "Day,"}), speak(t, voice.Request{Text: "day"})
	assert.Equal(t, a.Data, b.Data)
}

// TestNoClicks: every tone starts and ends at silence, and no two neighbouring samples jump more
// than the steepest tone moves (about a third of full amplitude at the highest pitch).
func TestNoClicks(t *testing.T) {
	t.Parallel()
	s := samples(speak(t, voice.Request{Text: "one two three four five six seven", VoiceID: "soprano"}))
	assert.Zero(t, s[0])
	assert.Zero(t, s[len(s)-1])
	peak, jump := 0, 0
	for i := 1; i < len(s); i++ {
		peak = max(peak, abs(int(s[i])))
		jump = max(jump, abs(int(s[i])-int(s[i-1])))
	}
	assert.Greater(t, float64(peak), amplitude/2, "the tones are too quiet")
	assert.Less(t, float64(jump), amplitude/2, "neighbouring samples jump: a click")
}

func abs(x int) int { return max(x, -x) }

func TestRefusesEmptyAndOverlongText(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]error{
		"":                          errEmptyText,
		" \t\n":                     errEmptyText,
		strings.Repeat("a", 10_001): errTextTooLong,
		strings.Repeat("é ", 5_001): errTextTooLong,
	} {
		_, err := New().Synthesize(t.Context(), voice.Request{Text: text})
		require.ErrorIs(t, err, want)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
	}
	_, err := New().Synthesize(t.Context(), voice.Request{Text: strings.Repeat("a", 10_000)})
	require.NoError(t, err, "10 000 characters are allowed")
}

// TestDeadlineIsATimeout: a deadline that ends the synthesis is the backend's timeout, and not
// the voice use case's own (which only its configured timeout says).
func TestDeadlineIsATimeout(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancel()
	_, err := New().Synthesize(ctx, voice.Request{Text: "hello"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, errTimedOut)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	assert.NotErrorIs(t, err, voice.ErrSpeechTimeout)
}
