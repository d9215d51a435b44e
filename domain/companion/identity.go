package companion

import (
	"strconv"
	"strings"
)

// LockedIdentity compiles the appearance into the tag string every picture prompt of this companion
// starts with, so pictures show the same person whatever the scene: subject, age, ethnicity, skin,
// eyes, hair, body, height, then free tags. Clothing is never part of it. The string is stable: the
// same profile always gives the same string.
func (p Profile) LockedIdentity() string {
	a := p.spec.Appearance
	parts := []string{
		a.Gender.subjectTag(),
		strconv.Itoa(p.spec.Age) + " years old",
		a.Ethnicity,
		suffixed(a.SkinTone, "skin"),
		suffixed(a.EyeColor, "eyes"),
		a.HairStyle,
		suffixed(a.HairColor, "hair"),
		suffixed(a.BodyType, "body"),
		suffixed(a.Height, "height"),
	}
	parts = append(parts, a.Tags...)
	out := make([]string, 0, len(parts))
	seen := map[string]bool{}
	for _, s := range parts {
		s = tag(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return strings.Join(out, ", ")
}

// suffixed appends what a trait is about ("blue" → "blue eyes") unless the value already says it.
func suffixed(v, noun string) string {
	v = strings.TrimSpace(v)
	if v == "" || strings.HasSuffix(strings.ToLower(v), noun) {
		return v
	}
	return v + " " + noun
}

// tag normalises one prompt tag: lower case, single spaces, no commas (they separate tags).
func tag(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(strings.ReplaceAll(s, ",", " "))), " ")
}
