package voice

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// SpeakReply speaks a reply in the companion's voice (SPEC §3.3 step 7). The audio is stored as
// the owner's, tied to the companion.
type SpeakReply struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Voice       companion.Voice
	Text        string
}

// ErrNoVoice is a spoken reply asked of a companion without a voice.
var ErrNoVoice = domain.E(domain.KindInvalid, "no_voice", "this companion has no voice; give it one in its profile")

// ErrNothingToSay is a reply with nothing left to speak once stage directions are removed.
var ErrNothingToSay = domain.E(domain.KindInvalid, "nothing_to_say", "the reply has no words to speak")

type speakReplyHandler struct{ d Deps }

// Spoken is a spoken reply: the stored audio, its type and how long it plays (0: the backend did
// not say).
type Spoken struct {
	Key         media.Key
	ContentType media.ContentType
	Duration    time.Duration
}

func (h speakReplyHandler) Handle(ctx context.Context, in SpeakReply) (Spoken, error) {
	if err := checkVoice(in.Voice); err != nil {
		return Spoken{}, err
	}
	text := spokenWithin(in.Text, h.d.maxSpoken())
	if text == "" {
		return Spoken{}, ErrNothingToSay
	}
	if err := h.d.allowed(ctx, in.OwnerID); err != nil {
		return Spoken{}, err
	}
	audio, err := synthesize(ctx, h.d, Request{Text: text, VoiceID: in.Voice.VoiceID, Format: media.MP3})
	if err != nil {
		return Spoken{}, err
	}
	f, err := checkAudio(audio)
	if err != nil {
		return Spoken{}, err
	}
	it, err := mediauc.Store(ctx, h.d.Blobs, f, h.d.Clock.Now(), func(it media.Item) error {
		it.OwnerID, it.CompanionID = in.OwnerID, in.CompanionID
		return h.d.Media.Create(ctx, it)
	})
	if err != nil {
		return Spoken{}, err
	}
	return Spoken{Key: it.Key, ContentType: f.ContentType, Duration: audio.Duration}, nil
}

// checkVoice refuses to speak for a companion without a voice.
func checkVoice(v companion.Voice) error {
	if !v.Enabled || v.VoiceID == "" {
		return ErrNoVoice
	}
	return nil
}

// ErrSpeechTimeout is a synthesis that outlived the speech backend's timeout. Its reason is the
// feature's (as picture_timeout is), not a backend's: errors match by reason, so a backend cut
// short by another deadline (the turn's) must not read as this one.
var ErrSpeechTimeout = domain.E(domain.KindUnavailable, "voice_timeout", "the speech backend took too long")

// synthesize asks the backend for audio within the configured time.
func synthesize(ctx context.Context, d Deps, req Request) (Audio, error) {
	return usecase.Within(ctx, d.Timeout, ErrSpeechTimeout, func(ctx context.Context) (Audio, error) {
		return d.Synthesizer.Synthesize(ctx, req)
	})
}
