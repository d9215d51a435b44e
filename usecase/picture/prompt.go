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

// scenePrompt is a reply picture's prompt: the locked identity first (appearance never drifts from
// picture to picture), then what is worn, then the scene — the model's tags for it when it wrote
// usable ones, else what the scene says is done, felt and where — whether the person is there, and
// the quality tags.
func scenePrompt(identity string, d dress, s companion.Scene, modelTags, viewer string) string {
	parts := []string{identity, d.tags()}
	if modelTags != "" {
		parts = append(parts, modelTags)
	} else {
		parts = append(parts, s.Action)
		if m := s.Mood.String(); m != "" && s.Mood != companion.MoodNeutral {
			parts = append(parts, m+" expression")
		}
		parts = append(parts, place(s.Location))
	}
	if s.UserPresent {
		parts = append(parts, "pov, with the viewer")
		if viewer != "" {
			parts = append(parts, "the viewer is "+viewer)
		}
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

// withNegative is a person's negative prompt after the one the rating requires.
func withNegative(r companion.ContentRating, own string) string {
	if own = strings.TrimSpace(own); own != "" {
		return negativePrompt(r) + ", " + own
	}
	return negativePrompt(r)
}
