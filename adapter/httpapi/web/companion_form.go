package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/internal/companionjson"
)

// The companion form's fields are named as the profile document's members (persona.personality,
// appearance.hair_color, …), so the profile's own field violations land on the right inputs.

// textFields are the form's single texts and where they go in the profile document.
var textFields = map[string]func(*companionjson.Profile) *string{
	"name":                         func(p *companionjson.Profile) *string { return &p.Name },
	"content_rating":               func(p *companionjson.Profile) *string { return &p.ContentRating },
	"greeting":                     func(p *companionjson.Profile) *string { return &p.Greeting },
	"user_appearance":              func(p *companionjson.Profile) *string { return &p.UserAppearance },
	"persona.archetype":            func(p *companionjson.Profile) *string { return &p.Persona.Archetype },
	"persona.relationship_to_user": func(p *companionjson.Profile) *string { return &p.Persona.RelationshipToUser },
	"persona.occupation":           func(p *companionjson.Profile) *string { return &p.Persona.Occupation },
	"persona.description":          func(p *companionjson.Profile) *string { return &p.Persona.Description },
	"persona.personality":          func(p *companionjson.Profile) *string { return &p.Persona.Personality },
	"persona.scenario":             func(p *companionjson.Profile) *string { return &p.Persona.Scenario },
	"persona.speech_style":         func(p *companionjson.Profile) *string { return &p.Persona.SpeechStyle },
	"persona.humor_style":          func(p *companionjson.Profile) *string { return &p.Persona.HumorStyle },
	"persona.flirtation_style":     func(p *companionjson.Profile) *string { return &p.Persona.FlirtationStyle },
	"persona.intimacy_pace":        func(p *companionjson.Profile) *string { return &p.Persona.IntimacyPace },
	"persona.confidence_level":     func(p *companionjson.Profile) *string { return &p.Persona.ConfidenceLevel },
	"persona.custom_instruction":   func(p *companionjson.Profile) *string { return &p.Persona.CustomInstruction },
	"appearance.style":             func(p *companionjson.Profile) *string { return &p.Appearance.Style },
	"appearance.gender":            func(p *companionjson.Profile) *string { return &p.Appearance.Gender },
	"appearance.ethnicity":         func(p *companionjson.Profile) *string { return &p.Appearance.Ethnicity },
	"appearance.skin_tone":         func(p *companionjson.Profile) *string { return &p.Appearance.SkinTone },
	"appearance.eye_color":         func(p *companionjson.Profile) *string { return &p.Appearance.EyeColor },
	"appearance.hair_style":        func(p *companionjson.Profile) *string { return &p.Appearance.HairStyle },
	"appearance.hair_color":        func(p *companionjson.Profile) *string { return &p.Appearance.HairColor },
	"appearance.body_type":         func(p *companionjson.Profile) *string { return &p.Appearance.BodyType },
	"appearance.height":            func(p *companionjson.Profile) *string { return &p.Appearance.Height },
	"voice.voice_id":               func(p *companionjson.Profile) *string { return &p.Voice.VoiceID },
	"persona.initiation_style":     func(p *companionjson.Profile) *string { return &p.Persona.InitiationStyle },
	"post_history_instructions":    func(p *companionjson.Profile) *string { return &p.PostHistoryInstructions },
	"system_prompt":                func(p *companionjson.Profile) *string { return &p.SystemPrompt },
	"example_dialogue":             func(p *companionjson.Profile) *string { return &p.ExampleDialogue },
	"creator_notes":                func(p *companionjson.Profile) *string { return &p.CreatorNotes },
}

// listFields are the form's lists: one item per line (or separated by commas).
var listFields = map[string]func(*companionjson.Profile) *[]string{
	"default_outfit":           func(p *companionjson.Profile) *[]string { return &p.DefaultOutfit },
	"tags":                     func(p *companionjson.Profile) *[]string { return &p.Tags },
	"persona.interests":        func(p *companionjson.Profile) *[]string { return &p.Persona.Interests },
	"persona.behavior_traits":  func(p *companionjson.Profile) *[]string { return &p.Persona.BehaviorTraits },
	"persona.emotional_traits": func(p *companionjson.Profile) *[]string { return &p.Persona.EmotionalTraits },
	"persona.quirks":           func(p *companionjson.Profile) *[]string { return &p.Persona.Quirks },
	"persona.speech_patterns":  func(p *companionjson.Profile) *[]string { return &p.Persona.SpeechPatterns },
	"persona.vulnerabilities":  func(p *companionjson.Profile) *[]string { return &p.Persona.Vulnerabilities },
	"appearance.tags":          func(p *companionjson.Profile) *[]string { return &p.Appearance.Tags },
}

// splitList reads a list field: items on lines, or separated by commas; blanks dropped.
func splitList(s string) []string {
	out := []string{}
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }) {
		if item := strings.TrimSpace(line); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// formOf writes a profile down as the form's values, for editing.
func formOf(p companionjson.Profile) url.Values {
	f := url.Values{}
	for name, at := range textFields {
		f.Set(name, *at(&p))
	}
	for name, at := range listFields {
		f.Set(name, strings.Join(*at(&p), "\n"))
	}
	if p.Age != 0 {
		f.Set("age", strconv.Itoa(p.Age))
	}
	if p.Voice.Enabled {
		f.Set("voice.enabled", "on")
	}
	return f
}

// applyForm sets the profile's fields the form sends (a field it does not send is left as it is,
// so a form showing part of the profile edits only that part) and reads the result as a spec.
func applyForm(p companionjson.Profile, f url.Values) (companion.ProfileSpec, error) {
	for name, at := range textFields {
		if f.Has(name) {
			*at(&p) = strings.TrimSpace(f.Get(name))
		}
	}
	for name, at := range listFields {
		if f.Has(name) {
			*at(&p) = splitList(f.Get(name))
		}
	}
	var bad []domain.FieldViolation
	if f.Has("age") {
		switch a := strings.TrimSpace(f.Get("age")); {
		case a == "":
			p.Age = 0
		default:
			n, err := strconv.Atoi(a)
			if err != nil {
				bad = append(bad, domain.Violation("age", "type", "age must be a whole number"))
			}
			p.Age = n
		}
	}
	if f.Has("voice.present") { // the checkbox sends nothing when unticked: its section says it was shown
		p.Voice.Enabled = f.Get("voice.enabled") != ""
	}
	spec, err := p.Spec()
	if err == nil {
		_, err = companion.NewProfile(spec)
	}
	if len(bad) > 0 {
		for _, v := range domain.Violations(err) {
			if v.Field != "age" {
				bad = append(bad, v)
			}
		}
		return spec, domain.Invalid(bad...)
	}
	return spec, err
}
