package picture

import (
	"strings"

	"github.com/companionhub/companionhub/domain/companion"
)

// qualityTags end every scene prompt: what image models need to be told to draw well.
const qualityTags = "masterpiece, best quality, detailed face, soft lighting"

// baseNegative is what no picture should show.
const baseNegative = "lowres, bad anatomy, bad hands, extra fingers, missing fingers, deformed, blurry, watermark, text, signature"

// safeNegative keeps companions rated for general audiences dressed.
const safeNegative = "nsfw, nude, naked, nipples, explicit, sexual"

// scenePrompt is the deterministic prompt of a scene: the locked identity first (appearance never
// drifts from picture to picture), then what the scene says is worn, done, felt and where.
func scenePrompt(identity string, s companion.Scene) string {
	parts := []string{identity}
	if len(s.Outfit) > 0 {
		parts = append(parts, "wearing "+strings.Join(s.Outfit, ", "))
	}
	if s.Action != "" {
		parts = append(parts, s.Action)
	}
	if m := s.Mood.String(); m != "" && s.Mood != companion.MoodNeutral {
		parts = append(parts, m+" expression")
	}
	if s.Location != "" {
		parts = append(parts, "in the "+strings.TrimPrefix(s.Location, "the "))
	}
	parts = append(parts, qualityTags)
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// negativePrompt is what a picture of a companion with this rating must not show.
func negativePrompt(r companion.ContentRating) string {
	if r == companion.RatingGeneral {
		return safeNegative + ", " + baseNegative
	}
	return baseNegative
}
