// Package transcribertest is the conformance suite of the voice.Transcriber port. Every
// speech-to-text backend runs it — network backends against a faithful local fake of their API —
// so that the voice use cases are trusted for what each backend does:
//
//	func TestConformance(t *testing.T) {
//		t.Parallel()
//		rec := sttfake.SpeechWAV()
//		transcribertest.Run(t, transcribertest.Harness{
//			New:     func(t *testing.T) voice.Transcriber { return newTranscriber(t, sttfake.New(t)) },
//			Speech:  rec,
//			Says:    sttfake.DefaultTranscript(rec.Data),
//			Silence: sttfake.SilentWAV(),
//		})
//	}
//
// What it checks, in port terms:
//   - a recording of speech gives a non-empty Text holding what the harness says was said
//     (compared without case, punctuation or extra spaces, as recognisers differ in those), and no
//     negative Duration;
//   - (Silence) a recording without speech gives an empty Text and no error;
//   - an empty recording (no bytes) is refused with KindInvalid;
//   - a cancelled context fails with context.Canceled or a retryable kind;
//   - concurrent calls all succeed;
//   - (HonoursLanguage) a Language hint is what the transcript reports.
package transcribertest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/usecase/voice"
)

// Harness builds the transcriber under test and supplies the recordings it is given.
type Harness struct {
	// New returns a transcriber ready to listen; it is called once per subtest (cleanup goes
	// through t). The transcriber must be safe for concurrent use.
	New func(t *testing.T) voice.Transcriber
	// Speech is a recording of someone speaking (required).
	Speech voice.Recording
	// Says is what Speech says (required): for a fake, its deterministic transcript; for a real
	// recogniser, the words spoken. The transcript must contain it, compared without case,
	// punctuation or extra spaces.
	Says string
	// Silence, when it has bytes, is a recording without speech: it must give an empty Text.
	Silence voice.Recording
	// HonoursLanguage: the transcriber reports the language it was told to hear (Language "fr"
	// gives Transcript.Language "fr"), as Whisper does when the language is forced.
	HonoursLanguage bool
}

// Run runs the suite. Subtests run in parallel.
func Run(t *testing.T, h Harness) {
	require.NotNil(t, h.New, "Harness.New is required")
	require.NotEmpty(t, h.Speech.Data, "Harness.Speech is required")
	require.NotEmpty(t, normalise(h.Says), "Harness.Says is required")
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"TranscribesSpeech", testSpeech},
		{"SilenceIsEmptyText", testSilence},
		{"RefusesEmptyRecording", testEmpty},
		{"CancelledContextFails", testCancelled},
		{"ConcurrentCalls", testConcurrent},
		{"LanguageHint", testLanguage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}
