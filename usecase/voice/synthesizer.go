// Package voice is the voice feature (SPEC §3.4): the speech-synthesis port every text-to-speech
// backend sits behind, and the use cases that do, once for every backend, what spoken audio needs
// besides sound — preparing the text, validating the audio, storage.
package voice

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain/media"
)

// Request is one text to speak. The use case prepared the text (stage directions removed, length
// bounded); a backend speaks it as it is.
type Request struct {
	Text    string
	VoiceID string // the backend's voice id ("": its default voice)
	Model   string // "": the backend's configured model
	// Format is the audio type the hub would like (zero: the backend's own choice); a backend that
	// cannot make it returns what it can, and says so in Audio.ContentType.
	Format media.ContentType
}

// Audio is synthesised speech as the backend made it; the use case checks it before storing it.
type Audio struct {
	Data        []byte
	ContentType media.ContentType // MP3, WAV or OGG
	// Duration is how long it plays (0 when the backend cannot tell).
	Duration time.Duration
}

// Synthesizer is the text-to-speech port. Implementations: adapter/tones (offline); conformance:
// test/contract/speechtest.
//
// Errors carry kinds that decide retries: KindUnavailable (unreachable, 5xx, timeouts, and a
// cancelled or expired context, wrapping its error) and KindRateLimited are retryable; KindInvalid
// (blank text, a voice the backend does not have — never a silent fallback to another voice) and
// KindInternal (misconfiguration) are not. Backend text never reaches the error message.
type Synthesizer interface {
	Synthesize(ctx context.Context, req Request) (Audio, error)
}
