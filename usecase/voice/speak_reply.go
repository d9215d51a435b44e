package voice

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
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

func (h speakReplyHandler) Handle(ctx context.Context, in SpeakReply) (media.Key, error) {
	if !in.Voice.Enabled || in.Voice.VoiceID == "" {
		return media.Key{}, ErrNoVoice
	}
	text := spokenText(in.Text)
	if text == "" {
		return media.Key{}, ErrNothingToSay
	}
	audio, err := h.d.Synthesizer.Synthesize(ctx, Request{Text: text, VoiceID: in.Voice.VoiceID, Format: media.MP3})
	if err != nil {
		return media.Key{}, err
	}
	f, err := checkAudio(audio)
	if err != nil {
		return media.Key{}, err
	}
	it, err := mediauc.Store(ctx, h.d.Blobs, f, h.d.Clock.Now(), func(it media.Item) error {
		it.OwnerID, it.CompanionID = in.OwnerID, in.CompanionID
		return h.d.Media.Create(ctx, it)
	})
	if err != nil {
		return media.Key{}, err
	}
	return it.Key, nil
}
