// Package speechtest is the conformance suite of the voice.Synthesizer port. Every text-to-speech
// backend runs it — adapter/tones as it is, network backends against a faithful local fake of
// their API — so the voice use cases tested with the tones are trusted for what the others do:
//
//	func TestConformance(t *testing.T) {
//		t.Parallel()
//		speechtest.Run(t, speechtest.Harness{
//			New:     func(t *testing.T) voice.Synthesizer { return tones.New() },
//			VoiceID: "alto", Deterministic: true,
//		})
//	}
//
// What it checks, in port terms:
//   - a sentence becomes non-empty audio of a type the hub stores (MP3, WAV or OGG), and the bytes
//     are what ContentType says (the use case sniffs them too, but a backend that mislabels its
//     audio is a bug worth catching here);
//   - a reported Duration grows with the text;
//   - accented letters and emoji are spoken, not refused;
//   - empty or blank text is refused with KindInvalid;
//   - a cancelled context fails with context.Canceled or a retryable kind;
//   - (Deterministic) the same request gives the same bytes;
//   - concurrent calls all succeed.
package speechtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/usecase/voice"
)

// Harness builds the synthesizer under test and says what it promises beyond the port's minimum.
type Harness struct {
	// New returns a synthesizer ready to speak; it is called once per subtest (cleanup goes
	// through t). The synthesizer must be safe for concurrent use.
	New func(t *testing.T) voice.Synthesizer
	// VoiceID is a voice the backend has ("": its default voice).
	VoiceID string
	// Deterministic: the same request always gives the same bytes.
	Deterministic bool
}

// Run runs the suite. Subtests run in parallel.
func Run(t *testing.T, h Harness) {
	require.NotNil(t, h.New, "Harness.New is required")
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"SpeaksASentence", testSentence},
		{"LongerTextIsNotShorter", testDuration},
		{"SpeaksAccentsAndEmoji", testUnicode},
		{"RefusesEmptyText", testEmpty},
		{"CancelledContextFails", testCancelled},
		{"SameRequestSameBytes", testSameBytes},
		{"ConcurrentCalls", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}

// sentence is what most checks speak: ordinary companion chat, punctuation included.
const sentence = "Hello! It's a lovely rainy day, isn't it? Let's have some cocoa."

func (h Harness) request(text string) voice.Request {
	return voice.Request{Text: text, VoiceID: h.VoiceID}
}

// speak synthesises text and checks the audio is what it says it is.
func speak(t *testing.T, s voice.Synthesizer, req voice.Request) voice.Audio {
	t.Helper()
	a, err := s.Synthesize(t.Context(), req)
	require.NoError(t, err)
	requireAudio(t, a)
	return a
}

// requireAudio checks that a is audio the voice use case stores: not empty, not too large, and
// its bytes start the way its ContentType's files do (MP3, WAV or Ogg).
func requireAudio(t *testing.T, a voice.Audio) {
	t.Helper()
	require.GreaterOrEqual(t, a.Duration, time.Duration(0), "Duration must not be negative")
	require.NoError(t, voice.CheckAudio(a), "SpeakReply would refuse this audio (%q, %d bytes)", a.ContentType, len(a.Data))
}
