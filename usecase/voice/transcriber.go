package voice

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain/media"
)

// Recording is a person's voice note to transcribe: audio of a type the hub accepts (MP3, WAV,
// OGG, or the WebM/MP4 a browser records), already checked by the use case.
type Recording struct {
	Data        []byte
	ContentType media.ContentType
	// Language is a hint (ISO 639-1, e.g. "en"; "": the backend detects it).
	Language string
}

// Transcript is what was said.
type Transcript struct {
	Text string
	// Language is the language the backend heard ("" when it does not say).
	Language string
	// Duration is how long the recording plays, as the backend measured it (0: it did not say).
	Duration time.Duration
}

// Transcriber is the speech-to-text port. Implementations: adapter/openaistt (the OpenAI-compatible
// transcriptions API, which whisper.cpp's and faster-whisper's servers speak); conformance:
// test/contract/transcribertest.
//
// A recording with no speech gives an empty Text and no error. Errors carry kinds that decide
// retries: KindUnavailable (unreachable, 5xx, timeouts, and a cancelled or expired context,
// wrapping its error) and KindRateLimited are retryable; KindInvalid (audio the backend cannot
// read, too long or too large) and KindInternal (misconfiguration) are not. Backend text never
// reaches the error message.
type Transcriber interface {
	Transcribe(ctx context.Context, rec Recording) (Transcript, error)
}
