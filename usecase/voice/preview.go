package voice

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

// PreviewVoice speaks a short sample in a voice, for a person choosing one: not stored, limited
// per client address (the voice_preview rule; a limiter that fails lets it through).
type PreviewVoice struct {
	// OwnerID is who asks: what is spoken counts against their speech quota.
	OwnerID  domain.ID
	VoiceID  string
	Text     string // "": a sentence of the hub's
	ClientIP string
}

// MaxPreviewText bounds a preview's own text, in characters.
const MaxPreviewText = 200

// previewText is what a preview says when it is given nothing to say.
const previewText = "Hi! This is how I sound. I'm looking forward to talking with you."

type previewHandler struct {
	d     Deps
	cache *voiceCache
}

func (h previewHandler) Handle(ctx context.Context, in PreviewVoice) (Audio, error) {
	id := strings.TrimSpace(in.VoiceID)
	if id == "" {
		return Audio{}, domain.Invalid(domain.Violation("voice_id", "required", "name the voice to preview"))
	}
	text := strings.Join(strings.Fields(withoutDirections(in.Text)), " ")
	if utf8.RuneCountInString(text) > MaxPreviewText {
		return Audio{}, domain.Invalid(domain.Violation("text", "too_long", "a preview says at most 200 characters"))
	}
	if text == "" {
		text = previewText
	}
	if err := h.d.allowed(ctx, in.OwnerID); err != nil {
		return Audio{}, err
	}
	if err := h.d.Guard.Check(ctx, h.d.PreviewRule, in.ClientIP); err != nil {
		return Audio{}, err
	}
	if err := h.cache.known(ctx, h.d, id); err != nil {
		return Audio{}, err
	}
	a, err := synthesize(ctx, h.d, Request{Text: text, VoiceID: id, Format: media.MP3})
	if err != nil {
		return Audio{}, err
	}
	if _, err := checkAudio(a); err != nil {
		return Audio{}, err
	}
	return a, nil
}
