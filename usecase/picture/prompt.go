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
	if loc := place(s.Location); loc != "" {
		parts = append(parts, loc)
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

// prepositions start locations that already say where ("at home", "on the beach").
var prepositions = []string{"in ", "at ", "on ", "by ", "near ", "inside ", "outside ", "under ", "behind "}

// place is where a scene is, as a prompt says it: "library" → "in the library", "The beach" → "in
// the beach", "at home" as it is.
func place(location string) string {
	loc := strings.TrimSpace(location)
	lower := strings.ToLower(loc)
	for _, p := range prepositions {
		if strings.HasPrefix(lower, p) {
			return loc
		}
	}
	if strings.HasPrefix(lower+" ", "the ") {
		loc = strings.TrimSpace(loc[len("the"):])
	}
	if loc == "" {
		return ""
	}
	return "in the " + loc
}

// negativePrompt is what a picture of a companion with this rating must not show. Only a rating
// that allows more lifts the safe terms: anything else (an unknown rating) fails safe.
func negativePrompt(r companion.ContentRating) string {
	if r == companion.RatingMature || r == companion.RatingExplicit {
		return baseNegative
	}
	return safeNegative + ", " + baseNegative
}
