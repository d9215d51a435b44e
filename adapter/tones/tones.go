// Package tones is a speech synthesizer that needs no network: the embedded profile's voice
// backend and a deterministic one for tests. It implements voice.Synthesizer and passes the same
// conformance suite (test/contract/speechtest) as the network backends.
//
// It does not speak. Each word becomes a short sine tone, so what comes back sounds like the
// rhythm of the sentence — recognisably not a voice, yet a real WAV file that players, storage
// and the UI handle exactly like a backend's speech:
//
//   - the pitch of a word comes from a hash of the word (lower-cased, punctuation ignored) and the
//     voice id, in a pentatonic scale above a base note that the voice id also picks, so voices
//     differ and the same word always sounds the same in one voice;
//   - a word lasts 60 ms a letter, at least 80 ms and at most 600 ms, with 40 ms of silence
//     between words and 5 ms fades at both ends of every tone, so nothing clicks;
//   - the audio is PCM WAV, 16-bit mono at 22 050 Hz, whatever format was asked for, and Duration
//     is exact.
package tones

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/voice"
)

var _ voice.Synthesizer = (*Synthesizer)(nil)

// maxTextRunes bounds the text, as every hosted backend does: the use case bounds it first, and
// this keeps a caller that did not from allocating minutes of audio.
const maxTextRunes = 10_000

var (
	errEmptyText   = domain.E(domain.KindInvalid, "speech_text_empty", "there is no text to speak")
	errTextTooLong = domain.E(domain.KindInvalid, "speech_text_too_long", "the text is too long to speak at once")
	errCancelled   = domain.E(domain.KindUnavailable, "speech_cancelled", "the speech was cancelled")
	errTimedOut    = domain.E(domain.KindUnavailable, "speech_timeout", "the speech took too long")
)

// ctxError is the error of a call stopped by its context.
func ctxError(ctx context.Context) error { return domain.ContextError(ctx, errCancelled, errTimedOut) }

// Synthesizer turns text into tones. It holds no state and is safe for concurrent use.
type Synthesizer struct{}

// New returns the tones synthesizer.
func New() *Synthesizer { return &Synthesizer{} }

// Synthesize renders req.Text as tones in req.VoiceID's voice (any id is a voice; "" too) and
// returns a WAV file. Blank text (speech_text_empty) and text over 10 000 characters
// (speech_text_too_long) are KindInvalid; if ctx ends first the error is KindUnavailable wrapping
// ctx.Err().
func (s *Synthesizer) Synthesize(ctx context.Context, req voice.Request) (voice.Audio, error) {
	if utf8.RuneCountInString(req.Text) > maxTextRunes {
		return voice.Audio{}, errTextTooLong
	}
	words := strings.Fields(req.Text)
	if len(words) == 0 {
		return voice.Audio{}, errEmptyText
	}
	if ctx.Err() != nil {
		return voice.Audio{}, ctxError(ctx)
	}

	lengths := make([]int, len(words))
	total := gapSamples * (len(words) - 1)
	for i, w := range words {
		lengths[i] = toneSamples(w)
		total += lengths[i]
	}
	data := make([]byte, headerSize+2*total) // the gaps are the zeros make leaves
	writeHeader(data, total)
	pcm := data[headerSize:]
	base := baseFrequency(req.VoiceID)
	pos := 0
	for i, w := range words {
		if ctx.Err() != nil {
			return voice.Audio{}, ctxError(ctx)
		}
		writeTone(pcm[2*pos:2*(pos+lengths[i])], pitch(base, req.VoiceID, w))
		pos += lengths[i] + gapSamples
	}
	return voice.Audio{
		Data:        data,
		ContentType: media.WAV,
		Duration:    time.Duration(total) * time.Second / sampleRate,
	}, nil
}
