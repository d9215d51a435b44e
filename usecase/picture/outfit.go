package picture

import (
	"regexp"
	"strings"

	"github.com/companionhub/companionhub/domain/companion"
)

// What the scene says is worn is drawn exactly — with two corrections the original app made and
// models need (reference §2.11.1): underwear under outer clothes is not drawn (a bra under a
// jumper is hidden, and a model told both draws the bra), and a companion rated for general
// audiences is never drawn undressed.

// nudeWords mark an outfit that is no outfit: a garment that is only one of them ("nude-colored
// heels" is a garment). In the outfit only: a pose ("lying bare-shouldered") is no state of dress.
var nudeWords = regexp.MustCompile(`(?i)^\s*(completely |fully )?(naked|nude|unclothed|no clothes|no clothing|bare body)\s*$`)

// outerwear is matched as substrings, as the original did: "crop top" and "t-shirt" are outer
// clothes, so a bra under them is not drawn. underwear is matched as whole words, which the
// original did not: a bracelet is not a bra.
var (
	outerwear = []string{"hoodie", "sweatshirt", "jacket", "coat", "shirt", "top", "shorts", "pants", "jeans", "skirt",
		"dress", "leggings", "sweater", "jumper", "cardigan", "blouse", "robe", "kimono", "uniform", "suit", "trousers"}
	underwear = regexp.MustCompile(`(?i)\b(thong|panties|bra|underwear|lingerie|boxers|briefs)\b`)
)

// fallbackOutfit is drawn when neither the scene nor the profile says what is worn.
const fallbackOutfit = "casual clothes"

// dress is what a picture shows the companion wearing: the scene's outfit layered, the default
// outfit when the scene has none (or, for general audiences, when it is undressed), nude only
// where the rating allows it.
type dress struct {
	garments []string
	nude     bool
}

func dressFor(scene []string, fallback []string, rating companion.ContentRating) dress {
	adult := rating == companion.RatingMature || rating == companion.RatingExplicit
	nude := false
	var kept []string
	for _, g := range scene {
		if nudeWords.MatchString(g) {
			nude = true
			continue
		}
		if g = strings.TrimSpace(g); g != "" {
			kept = append(kept, g)
		}
	}
	if nude && adult && len(kept) == 0 {
		return dress{nude: true}
	}
	kept = layered(kept)
	if len(kept) == 0 {
		kept = layered(fallback)
	}
	if len(kept) == 0 {
		kept = []string{fallbackOutfit}
	}
	return dress{garments: kept}
}

// layered drops underwear when outer clothes are worn over it.
func layered(garments []string) []string {
	over := false
	for _, g := range garments {
		lower := strings.ToLower(g)
		for _, w := range outerwear {
			if strings.Contains(lower, w) && !underwear.MatchString(g) {
				over = true
			}
		}
	}
	if !over {
		return garments
	}
	var out []string
	for _, g := range garments {
		if !underwear.MatchString(g) {
			out = append(out, g)
		}
	}
	return out
}

// tags is the outfit as prompt tags.
func (d dress) tags() string {
	if d.nude {
		return "nude"
	}
	return "wearing " + strings.Join(d.garments, ", ")
}
