package espeak

import (
	"bytes"
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/contract/speechtest"
	"github.com/companionhub/companionhub/usecase/voice"
)

// These tests run the real espeak-ng: skipped where it is not installed, failed on CI.

func newReal(t *testing.T) *Synthesizer {
	t.Helper()
	requireProgram(t)
	s, err := New(DefaultConfig())
	require.NoError(t, err)
	return s
}

// TestConformance: espeak-ng is deterministic — the same text, voice, speed and pitch give the
// same bytes (it has no random state), so the suite checks that too.
func TestConformance(t *testing.T) {
	t.Parallel()
	requireProgram(t)
	s := newReal(t)
	speechtest.Run(t, speechtest.Harness{
		New:           func(*testing.T) voice.Synthesizer { return s },
		VoiceID:       "en-us",
		Deterministic: true,
	})
}

func TestRealWAVHasTrueSizesAndDuration(t *testing.T) {
	t.Parallel()
	s := newReal(t)
	a, err := s.Synthesize(t.Context(), voice.Request{Text: "Hello there, how are you today?", Format: media.OGG})
	require.NoError(t, err)
	assert.Equal(t, media.WAV, a.ContentType, "always WAV")
	le := binary.LittleEndian
	require.Greater(t, len(a.Data), 44)
	assert.Equal(t, uint32(len(a.Data)-8), le.Uint32(a.Data[4:]))
	assert.Equal(t, "data", string(a.Data[36:40]))
	assert.Equal(t, uint32(len(a.Data)-44), le.Uint32(a.Data[40:]))
	byteRate := le.Uint32(a.Data[28:])
	assert.Equal(t, time.Duration(uint64(len(a.Data)-44)*uint64(time.Second)/uint64(byteRate)), a.Duration)
	assert.Greater(t, a.Duration, 500*time.Millisecond)
	assert.Less(t, a.Duration, 10*time.Second)
}

func TestVoicesAndVariantsDiffer(t *testing.T) {
	t.Parallel()
	s := newReal(t)
	speak := func(id string) []byte {
		a, err := s.Synthesize(t.Context(), voice.Request{Text: "Good morning", VoiceID: id})
		require.NoError(t, err, "voice %q", id)
		return a.Data
	}
	us, gb, f3 := speak("en-us"), speak("en-gb"), speak("en-us+f3")
	assert.False(t, bytes.Equal(us, gb))
	assert.False(t, bytes.Equal(us, f3))
	assert.Equal(t, us, speak(""), "the default voice is en-us")
	assert.Equal(t, us, speak("EN-US"), "languages match whatever their case")

	// espeak-ng would speak these in another voice; the port forbids that.
	for _, id := range []string{"en-xx", "en-us+nosuch", "en-us+F3", "-w /tmp/x"} {
		_, err := s.Synthesize(t.Context(), voice.Request{Text: "hello", VoiceID: id})
		require.ErrorIs(t, err, errBadVoice, "voice %q", id)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
	}
}

func TestSpeedAndPitchChangeTheVoice(t *testing.T) {
	t.Parallel()
	base := newReal(t)
	c := DefaultConfig()
	c.Speed, c.Pitch = 300, 80
	fast, err := New(c)
	require.NoError(t, err)
	req := voice.Request{Text: "The quick brown fox jumps over the lazy dog."}
	a, err := base.Synthesize(t.Context(), req)
	require.NoError(t, err)
	b, err := fast.Synthesize(t.Context(), req)
	require.NoError(t, err)
	assert.Less(t, b.Duration, a.Duration)
}

func TestControlCharactersAndOddTextAreSpoken(t *testing.T) {
	t.Parallel()
	s := newReal(t)
	for _, text := range []string{"a\x00b\x01c\x1bd", "-w /tmp/x", "--help", "<speak>hi</speak>", "😊", "\xff\xfe hello", "日本語のテキスト"} {
		a, err := s.Synthesize(t.Context(), voice.Request{Text: text})
		require.NoError(t, err, "text %q", text)
		require.NoError(t, voice.CheckAudio(a), "text %q", text)
	}
}

func TestVoicesLists(t *testing.T) {
	t.Parallel()
	s := newReal(t)
	vs := s.Available()
	assert.Contains(t, vs, Voice{ID: "en-us", Name: "English (America)", Gender: "male", File: "gmw/en-US"})
	assert.Greater(t, len(vs), 50)
	vs[0].ID = "changed"
	assert.NotEqual(t, "changed", s.Available()[0].ID, "a copy")

	listed, err := ListVoices(t.Context(), Program)
	require.NoError(t, err)
	assert.Equal(t, s.Available(), listed)

	picked, err := s.Voices(t.Context())
	require.NoError(t, err)
	assert.Contains(t, picked, voice.Voice{ID: "en-us", Name: "English (America)", Gender: "male", Language: "en-us"},
		"as a person picks it")
	assert.Len(t, picked, len(listed))
}

func TestExpiredContextRunsNothing(t *testing.T) {
	t.Parallel()
	s := newReal(t)
	ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancel()
	_, err := s.Synthesize(ctx, voice.Request{Text: "hello"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, errTimedOut)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
}
