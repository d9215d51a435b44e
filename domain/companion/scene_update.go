package companion

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SceneUpdate is what one analysis of the conversation says about the scene. A zero field means
// "no information" and keeps what the scene had: a model that says nothing about the outfit has not
// undressed the companion, and one that names no valid mood has not calmed it down.
//
// The fields are raw model output; Scene.Apply cleans and bounds them, so an update never needs
// validating on its own and never makes a scene invalid.
type SceneUpdate struct {
	Outfit   []string // garments now worn; empty (or only placeholders) keeps the outfit
	Location string   // "" (or a placeholder) keeps the location
	Action   string   // "" (or a placeholder) keeps the action
	Mood     Mood     // the zero Mood keeps the mood
	// UserPresent, when set, says whether the person is now physically with the companion; nil
	// keeps what the scene says.
	UserPresent *bool
}

// NewSceneUpdate reads an update from the analyser's strings: outfit as a tag string
// ("white blouse, black skirt"), mood as free text that may or may not name one of the moods.
// Every field comes out cleaned and bounded as Apply would (placeholders become "no information"),
// so the update can be shown or logged as the scene will see it.
func NewSceneUpdate(outfit, location, action, mood string) SceneUpdate {
	m, _ := MoodFromText(mood)
	return SceneUpdate{Outfit: ParseOutfit(outfit), Location: cleanSceneText(dropParens(location)),
		Action: cleanSceneText(action), Mood: m}
}

// Apply merges an update into the scene (the state-tracking rules of reference §2.10, without its
// bugs) and returns the new scene, always valid for NewScene:
//
//   - the outfit is replaced only when the update names at least one garment after cleaning
//     (CleanOutfit); a list of placeholders such as "unknown" or "unchanged" names none. There is
//     no blocklist of ordinary words: "casual dress" is an outfit.
//   - location and action are replaced when the update gives a usable value: cleaned (whitespace
//     collapsed, a trailing period dropped, parentheses removed from locations), not a placeholder,
//     and cut at a word boundary to MaxSceneText characters.
//   - mood is replaced only by a valid mood; an invalid or missing one keeps the previous mood (the
//     original reset it to neutral, so every failed analysis made the companion forget its mood).
//   - whether the person is present is replaced when the update says, and kept otherwise.
//
// Fields kept from s are only bounded, not restyled, so a valid scene keeps them byte for byte.
func (s Scene) Apply(u SceneUpdate) Scene {
	out := Scene{
		Outfit:   boundList(s.Outfit, func(g string) string { return clamp(plain(g), MaxGarmentLen) }),
		Location: clamp(plain(s.Location), MaxSceneText),
		Action:   clamp(plain(s.Action), MaxSceneText),
		Mood:     s.Mood,

		UserPresent: s.UserPresent,
	}
	if !out.Mood.valid() {
		out.Mood = MoodNeutral
	}
	if g := CleanOutfit(u.Outfit); len(g) > 0 {
		out.Outfit = g
	}
	if l := cleanSceneText(dropParens(u.Location)); l != "" {
		out.Location = l
	}
	if a := cleanSceneText(u.Action); a != "" {
		out.Action = a
	}
	if u.Mood.valid() {
		out.Mood = u.Mood
	}
	if u.UserPresent != nil {
		out.UserPresent = *u.UserPresent
	}
	return out
}

// ParseOutfit splits an outfit tag string ("white blouse, black skirt") on commas, semicolons and
// line breaks, and cleans the garments with CleanOutfit.
func ParseOutfit(tags string) []string {
	return CleanOutfit(strings.FieldsFunc(tags, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r'
	}))
}

// CleanOutfit turns the garments a model named into an outfit: parentheses, list bullets and
// surrounding quotes removed, whitespace collapsed, trailing periods dropped, each garment cut at a
// word boundary to MaxGarmentLen characters, placeholders ("unknown", "n/a", "unchanged"…) and
// duplicates (ignoring case) dropped, at most MaxTags garments kept. It never fails: a model's
// slip should cost a garment, not the turn. "none", "nothing" and "nude" are kept: after
// undressing they are the outfit.
func CleanOutfit(garments []string) []string {
	return boundList(garments, func(g string) string { return cleanValue(dropParens(g), MaxGarmentLen) })
}

// MoodFromText reads a mood from a model's free text: case, surrounding whitespace and
// punctuation are ignored, and a few common synonyms ("sad", "shy", "angry"…) map to the mood
// they mean. ok is false when the text names no mood.
func MoodFromText(s string) (m Mood, ok bool) {
	key := strings.ToLower(strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsControl(r)
	}))
	for _, v := range moods {
		if v.s == key {
			return v, true
		}
	}
	m, ok = moodSynonyms[key]
	return m, ok
}

// moodSynonyms are words models use instead of the twelve moods despite being told the list.
var moodSynonyms = map[string]Mood{
	"calm": MoodNeutral, "relaxed": MoodNeutral, "content": MoodHappy, "cheerful": MoodHappy,
	"joyful": MoodHappy, "glad": MoodHappy, "teasing": MoodPlayful, "mischievous": MoodPlayful,
	"loving": MoodAffectionate, "tender": MoodAffectionate, "thrilled": MoodExcited,
	"eager": MoodExcited, "seductive": MoodFlirty, "sad": MoodMelancholic, "lonely": MoodMelancholic,
	"wistful": MoodMelancholic, "angry": MoodIrritated, "annoyed": MoodIrritated,
	"frustrated": MoodIrritated, "envious": MoodJealous, "anxious": MoodWorried,
	"nervous": MoodWorried, "concerned": MoodWorried, "shy": MoodEmbarrassed,
	"flustered": MoodEmbarrassed, "horny": MoodAroused,
}

// valid reports whether m is one of the moods (the zero Mood is not).
func (m Mood) valid() bool {
	for _, v := range moods {
		if v == m {
			return true
		}
	}
	return false
}

// IsPlaceholder reports whether a model's value only says it has nothing to say: "unknown",
// "n/a", "not specified", "none specified", "same", "unchanged", "no change" and the like (case
// and surrounding punctuation ignored). Such a value is no information, never a garment or a
// place.
func IsPlaceholder(s string) bool {
	key := strings.Join(strings.Fields(strings.ToLower(strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != '/'
	}))), " ")
	if key == "" || placeholders[key] {
		return true
	}
	for _, p := range []string{"same as ", "unchanged ", "no change ", "not specified ", "still the same"} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

var placeholders = map[string]bool{
	"unknown": true, "n/a": true, "na": true, "n.a": true, "not specified": true, "none specified": true,
	"no specified": true, "unspecified": true, "not mentioned": true, "not stated": true,
	"not applicable": true, "not visible": true, "not described": true, "not provided": true,
	"unclear": true, "same": true, "the same": true, "unchanged": true, "no change": true,
	"no changes": true, "as before": true, "previous": true, "null": true, "nil": true,
	"undefined": true, "tbd": true, "same outfit": true, "same location": true, "same action": true,
}

// cleanValue cleans one value of a model: plain single-line text cut at a word boundary to max
// characters, surrounding quotes, list bullets and trailing periods dropped, "" for a placeholder.
// Cleaning a cleaned value changes nothing.
func cleanValue(s string, max int) string {
	s = clamp(strings.Join(strings.Fields(plain(s)), " "), max)
	s = strings.TrimRight(strings.TrimLeft(s, "-*•·\"“” "), ".\"“” ")
	if IsPlaceholder(s) {
		return ""
	}
	return s
}

// cleanSceneText cleans a location or an action. "none" and "nothing" are no information here,
// unlike in an outfit, where they mean undressed.
func cleanSceneText(s string) string {
	s = cleanValue(s, MaxSceneText)
	if low := strings.ToLower(s); low == "none" || low == "nothing" {
		return ""
	}
	return s
}

// dropParens removes parentheses, which models use for asides ("jeans (ripped)") that read fine
// without them in an image prompt.
func dropParens(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '(' || r == ')' {
			return -1
		}
		return r
	}, s)
}

// plain makes s valid, control-free, trimmed text, the minimum NewScene asks of every value.
func plain(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// clamp cuts s to at most max characters, at a word boundary when one is near the end.
func clamp(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	cut := s
	for i := range s {
		if max == 0 {
			cut = s[:i]
			break
		}
		max--
	}
	if i := strings.LastIndexByte(cut, ' '); i > len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimSpace(cut)
}

// boundList cleans each item, then drops blanks and duplicates (ignoring case, as NewScene does)
// and keeps at most MaxTags items; the result never aliases items.
func boundList(items []string, clean func(string) string) []string {
	out := make([]string, 0, min(len(items), MaxTags))
	seen := make(map[string]bool, len(out))
	for _, it := range items {
		if len(out) == MaxTags {
			break
		}
		it = clean(it)
		key := strings.ToLower(it)
		if it == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, it)
	}
	return out
}
