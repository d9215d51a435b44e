// Package companionjson is the one JSON form of a companion's profile, shared by everything that
// writes one down: the HTTP API (the editable document PATCH merges into), the SQL store (the profile
// column) and character-card export (the "companionhub" extension). One form means a profile survives
// every hop — API → storage → card → import — without a field lost in translation.
package companionjson

import (
	"bytes"
	"encoding/json"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// Profile is companion.ProfileSpec as JSON. Lists are never null (an empty list is []), so clients
// and diffs see one shape.
type Profile struct {
	Name                    string     `json:"name"`
	Age                     int        `json:"age"`
	ContentRating           string     `json:"content_rating"`
	Persona                 Persona    `json:"persona"`
	Appearance              Appearance `json:"appearance"`
	DefaultOutfit           []string   `json:"default_outfit"`
	UserAppearance          string     `json:"user_appearance"`
	Greeting                string     `json:"greeting"`
	AlternateGreetings      []string   `json:"alternate_greetings"`
	ExampleDialogue         string     `json:"example_dialogue"`
	SystemPrompt            string     `json:"system_prompt"`
	PostHistoryInstructions string     `json:"post_history_instructions"`
	CreatorNotes            string     `json:"creator_notes"`
	Tags                    []string   `json:"tags"`
	Voice                   Voice      `json:"voice"`
	Card                    Card       `json:"card"`
}

// Persona is companion.Persona as JSON.
type Persona struct {
	Archetype          string   `json:"archetype"`
	RelationshipToUser string   `json:"relationship_to_user"`
	Occupation         string   `json:"occupation"`
	Description        string   `json:"description"`
	Personality        string   `json:"personality"`
	Scenario           string   `json:"scenario"`
	Interests          []string `json:"interests"`
	SpeechStyle        string   `json:"speech_style"`
	SpeechPatterns     []string `json:"speech_patterns"`
	BehaviorTraits     []string `json:"behavior_traits"`
	InitiationStyle    string   `json:"initiation_style"`
	ConfidenceLevel    string   `json:"confidence_level"`
	EmotionalTraits    []string `json:"emotional_traits"`
	Vulnerabilities    []string `json:"vulnerabilities"`
	Quirks             []string `json:"quirks"`
	FlirtationStyle    string   `json:"flirtation_style"`
	HumorStyle         string   `json:"humor_style"`
	IntimacyPace       string   `json:"intimacy_pace"`
	CustomInstruction  string   `json:"custom_instruction"`
}

// Appearance is companion.Appearance as JSON.
type Appearance struct {
	Style     string   `json:"style"`
	Gender    string   `json:"gender"`
	Ethnicity string   `json:"ethnicity"`
	SkinTone  string   `json:"skin_tone"`
	EyeColor  string   `json:"eye_color"`
	HairStyle string   `json:"hair_style"`
	HairColor string   `json:"hair_color"`
	BodyType  string   `json:"body_type"`
	Height    string   `json:"height"`
	Tags      []string `json:"tags"`
}

// Voice is companion.Voice as JSON.
type Voice struct {
	Provider string `json:"provider"`
	VoiceID  string `json:"voice_id"`
	Enabled  bool   `json:"enabled"`
}

// Card is companion.CardData as JSON: raw objects carried verbatim (null when absent).
type Card struct {
	CharacterBook json.RawMessage `json:"character_book"`
	Extensions    json.RawMessage `json:"extensions"`
	Extra         json.RawMessage `json:"extra"`
	Top           json.RawMessage `json:"top"`
}

// FromSpec writes a profile spec down.
func FromSpec(s companion.ProfileSpec) Profile {
	p, a := s.Persona, s.Appearance
	return Profile{
		Name: s.Name, Age: s.Age, ContentRating: s.ContentRating.String(),
		Persona: Persona{
			Archetype: p.Archetype, RelationshipToUser: p.RelationshipToUser, Occupation: p.Occupation,
			Description: p.Description, Personality: p.Personality, Scenario: p.Scenario, Interests: list(p.Interests),
			SpeechStyle: p.SpeechStyle, SpeechPatterns: list(p.SpeechPatterns), BehaviorTraits: list(p.BehaviorTraits),
			InitiationStyle: p.InitiationStyle, ConfidenceLevel: p.ConfidenceLevel, EmotionalTraits: list(p.EmotionalTraits),
			Vulnerabilities: list(p.Vulnerabilities), Quirks: list(p.Quirks), FlirtationStyle: p.FlirtationStyle,
			HumorStyle: p.HumorStyle, IntimacyPace: p.IntimacyPace, CustomInstruction: p.CustomInstruction,
		},
		Appearance: Appearance{
			Style: a.Style.String(), Gender: a.Gender.String(), Ethnicity: a.Ethnicity, SkinTone: a.SkinTone,
			EyeColor: a.EyeColor, HairStyle: a.HairStyle, HairColor: a.HairColor, BodyType: a.BodyType,
			Height: a.Height, Tags: list(a.Tags),
		},
		DefaultOutfit: list(s.DefaultOutfit), UserAppearance: s.UserAppearance, Greeting: s.Greeting,
		AlternateGreetings: list(s.AlternateGreetings), ExampleDialogue: s.ExampleDialogue, SystemPrompt: s.SystemPrompt,
		PostHistoryInstructions: s.PostHistoryInstructions, CreatorNotes: s.CreatorNotes, Tags: list(s.Tags),
		Voice: Voice{Provider: s.Voice.Provider, VoiceID: s.Voice.VoiceID, Enabled: s.Voice.Enabled},
		Card: Card{CharacterBook: raw(s.Card.CharacterBook), Extensions: raw(s.Card.Extensions),
			Extra: raw(s.Card.Extra), Top: raw(s.Card.Top)},
	}
}

// Spec reads a profile back into a spec (not yet validated: companion.NewProfile does that). Unknown
// enum values are field violations; empty ones take the model's defaults. When an enum is refused,
// the rest of the profile is validated too and its violations join the enums', so a client hears of
// every mistake in one answer rather than one layer at a time.
func (p Profile) Spec() (companion.ProfileSpec, error) {
	var errs []error
	enum := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var s companion.ProfileSpec
	if p.ContentRating != "" {
		r, err := companion.ParseContentRating("content_rating", p.ContentRating)
		enum(err)
		s.ContentRating = r
	}
	if p.Appearance.Style != "" {
		st, err := companion.ParseArtStyle("appearance.style", p.Appearance.Style)
		enum(err)
		s.Appearance.Style = st
	}
	if p.Appearance.Gender != "" {
		g, err := companion.ParseGender("appearance.gender", p.Appearance.Gender)
		enum(err)
		s.Appearance.Gender = g
	}
	pe, a := p.Persona, p.Appearance
	s.Name, s.Age = p.Name, p.Age
	s.Persona = companion.Persona{
		Archetype: pe.Archetype, RelationshipToUser: pe.RelationshipToUser, Occupation: pe.Occupation,
		Description: pe.Description, Personality: pe.Personality, Scenario: pe.Scenario, Interests: pe.Interests,
		SpeechStyle: pe.SpeechStyle, SpeechPatterns: pe.SpeechPatterns, BehaviorTraits: pe.BehaviorTraits,
		InitiationStyle: pe.InitiationStyle, ConfidenceLevel: pe.ConfidenceLevel, EmotionalTraits: pe.EmotionalTraits,
		Vulnerabilities: pe.Vulnerabilities, Quirks: pe.Quirks, FlirtationStyle: pe.FlirtationStyle,
		HumorStyle: pe.HumorStyle, IntimacyPace: pe.IntimacyPace, CustomInstruction: pe.CustomInstruction,
	}
	s.Appearance.Ethnicity, s.Appearance.SkinTone, s.Appearance.EyeColor = a.Ethnicity, a.SkinTone, a.EyeColor
	s.Appearance.HairStyle, s.Appearance.HairColor, s.Appearance.BodyType = a.HairStyle, a.HairColor, a.BodyType
	s.Appearance.Height, s.Appearance.Tags = a.Height, a.Tags
	s.DefaultOutfit, s.UserAppearance, s.Greeting = p.DefaultOutfit, p.UserAppearance, p.Greeting
	s.AlternateGreetings, s.ExampleDialogue, s.SystemPrompt = p.AlternateGreetings, p.ExampleDialogue, p.SystemPrompt
	s.PostHistoryInstructions, s.CreatorNotes, s.Tags = p.PostHistoryInstructions, p.CreatorNotes, p.Tags
	s.Voice = companion.Voice{Provider: p.Voice.Provider, VoiceID: p.Voice.VoiceID, Enabled: p.Voice.Enabled}
	s.Card = companion.CardData{CharacterBook: p.Card.CharacterBook, Extensions: p.Card.Extensions,
		Extra: p.Card.Extra, Top: p.Card.Top}
	if len(errs) > 0 {
		var v []domain.FieldViolation
		for _, e := range errs {
			v = append(v, domain.Violations(e)...)
		}
		if _, err := companion.NewProfile(s); err != nil { // refused enums are left empty: the defaults
			v = append(v, domain.Violations(err)...)
		}
		return companion.ProfileSpec{}, domain.Invalid(v...)
	}
	return s, nil
}

func list(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func raw(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// Marshal encodes v as JSON without escaping <, > and & — card data is carried verbatim, and HTML
// escaping would both change it and grow it sixfold per character, past the size limits it was
// accepted under.
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
