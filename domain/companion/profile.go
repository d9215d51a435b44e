// Package companion models a character a person talks to: who it is (the profile), how it looks,
// where it is and how it feels right now (the scene), and how close it is to its person (the
// relationship).
package companion

// Persona is who the companion is. Every field is optional except what the profile requires; texts
// are kept as entered (trimmed).
type Persona struct {
	Archetype          string
	RelationshipToUser string
	Occupation         string
	// Description is the character sheet: free prose, the core of the system prompt (a character
	// card's "description").
	Description string
	// Personality is a short summary of temperament (a card's "personality").
	Personality string
	// Scenario is the situation conversations start from (a card's "scenario").
	Scenario        string
	Interests       []string
	SpeechStyle     string
	SpeechPatterns  []string
	BehaviorTraits  []string
	InitiationStyle string
	ConfidenceLevel string
	EmotionalTraits []string
	Vulnerabilities []string
	Quirks          []string
	FlirtationStyle string
	HumorStyle      string
	IntimacyPace    string
	// CustomInstruction is the owner's own words for the system prompt. It is private: it never
	// leaves with a published companion.
	CustomInstruction string
}

// Appearance is how the companion looks, in structured parts and free tags; it compiles into the
// locked identity every picture prompt starts with. Clothing is not appearance: it is the outfit.
type Appearance struct {
	Style     ArtStyle
	Gender    Gender
	Ethnicity string
	SkinTone  string
	EyeColor  string
	HairStyle string
	HairColor string
	BodyType  string
	Height    string
	// Tags are further visual traits ("freckles", "pointed ears").
	Tags []string
}

// Voice is the companion's speaking voice.
type Voice struct {
	Provider string
	VoiceID  string
	Enabled  bool
}

// CardData is what the hub carries for character-card interoperability without modelling it, kept
// byte for byte so that an exported card gives back what an imported one brought. Each field is a
// JSON object or nil.
type CardData struct {
	// CharacterBook is the card's character_book (lorebook).
	CharacterBook []byte
	// Extensions is the card's extensions object (other apps' namespaced data).
	Extensions []byte
	// Extra holds every other key of the card's data object (creator, character_version, nickname,
	// source, assets, group_only_greetings, keys no spec defines…).
	Extra []byte
	// Top holds keys outside the data object of a V2/V3 card, besides spec and spec_version.
	Top []byte
}

// ProfileSpec is everything an owner edits about a companion, as entered. NewProfile validates it.
type ProfileSpec struct {
	Name                    string
	Age                     int
	ContentRating           ContentRating
	Persona                 Persona
	Appearance              Appearance
	DefaultOutfit           []string
	UserAppearance          string
	Greeting                string
	AlternateGreetings      []string
	ExampleDialogue         string
	SystemPrompt            string
	PostHistoryInstructions string
	CreatorNotes            string
	Tags                    []string
	Voice                   Voice
	Card                    CardData
}

// Profile is a validated ProfileSpec. It is a value: Spec returns a copy, and changing a profile
// means validating a new spec.
type Profile struct{ spec ProfileSpec }

// NewProfile validates spec: name 1–100 characters (NFC, nothing invisible: domain.CleanName), age
// given (zero is "not given") and at least 18, bounded texts and lists (SPEC §3.2), known enums,
// opaque card data that is JSON objects. Texts are trimmed, blank list items and duplicate tags
// dropped; everything else is kept exactly. Every violation is reported at once.
func NewProfile(spec ProfileSpec) (Profile, error) {
	var c checker
	s := spec
	s.Name = c.name("name", s.Name)
	switch {
	case s.Age == 0: // not given (an age is a whole number of years, never zero for an adult)
		c.add("age", "required", "is required: how old the companion is (18 or older)")
	case s.Age < MinAge:
		c.add("age", "too_young", "a companion is an adult: age must be at least 18")
	case s.Age > MaxAge:
		c.add("age", "too_old", "age must be at most 10000")
	}
	if s.ContentRating.s == "" {
		s.ContentRating = RatingGeneral
	}
	s.Persona = c.persona(s.Persona)
	s.Appearance = c.appearance(s.Appearance)
	s.DefaultOutfit = c.list("default_outfit", s.DefaultOutfit, MaxGarmentLen)
	s.UserAppearance = c.text("user_appearance", s.UserAppearance, MaxAppearance, false, true)
	s.Greeting = c.text("greeting", s.Greeting, MaxLongText, false, true)
	s.AlternateGreetings = c.longList("alternate_greetings", s.AlternateGreetings)
	s.ExampleDialogue = c.text("example_dialogue", s.ExampleDialogue, MaxLongText, false, true)
	s.SystemPrompt = c.text("system_prompt", s.SystemPrompt, MaxLongText, false, true)
	s.PostHistoryInstructions = c.text("post_history_instructions", s.PostHistoryInstructions, MaxLongText, false, true)
	s.CreatorNotes = c.text("creator_notes", s.CreatorNotes, MaxLongText, false, true)
	s.Tags = c.list("tags", s.Tags, MaxTagLen)
	s.Voice.Provider = c.text("voice.provider", s.Voice.Provider, MaxTagLen, false, false)
	s.Voice.VoiceID = c.text("voice.voice_id", s.Voice.VoiceID, maxVoiceIDBytes, s.Voice.Enabled, false)
	s.Card = CardData{
		CharacterBook: c.object("card.character_book", s.Card.CharacterBook, MaxBookBytes),
		Extensions:    c.object("card.extensions", s.Card.Extensions, MaxOpaqueBytes),
		Extra:         c.object("card.extra", s.Card.Extra, MaxOpaqueBytes),
		Top:           c.object("card.top", s.Card.Top, MaxTopBytes),
	}
	if err := c.err(); err != nil {
		return Profile{}, err
	}
	return Profile{spec: s}, nil
}

func (c *checker) persona(p Persona) Persona {
	short := func(field, v string) string { return c.text("persona."+field, v, MaxShortText, false, false) }
	long := func(field, v string) string { return c.text("persona."+field, v, MaxLongText, false, true) }
	phrases := func(field string, v []string) []string { return c.list("persona."+field, v, MaxPhraseLen) }
	return Persona{
		Archetype:          short("archetype", p.Archetype),
		RelationshipToUser: short("relationship_to_user", p.RelationshipToUser),
		Occupation:         short("occupation", p.Occupation),
		Description:        long("description", p.Description),
		Personality:        long("personality", p.Personality),
		Scenario:           long("scenario", p.Scenario),
		Interests:          phrases("interests", p.Interests),
		SpeechStyle:        short("speech_style", p.SpeechStyle),
		SpeechPatterns:     phrases("speech_patterns", p.SpeechPatterns),
		BehaviorTraits:     phrases("behavior_traits", p.BehaviorTraits),
		InitiationStyle:    short("initiation_style", p.InitiationStyle),
		ConfidenceLevel:    short("confidence_level", p.ConfidenceLevel),
		EmotionalTraits:    phrases("emotional_traits", p.EmotionalTraits),
		Vulnerabilities:    phrases("vulnerabilities", p.Vulnerabilities),
		Quirks:             phrases("quirks", p.Quirks),
		FlirtationStyle:    short("flirtation_style", p.FlirtationStyle),
		HumorStyle:         short("humor_style", p.HumorStyle),
		IntimacyPace:       short("intimacy_pace", p.IntimacyPace),
		CustomInstruction:  long("custom_instruction", p.CustomInstruction),
	}
}

func (c *checker) appearance(a Appearance) Appearance {
	part := func(field, v string) string { return c.text("appearance."+field, v, MaxGarmentLen, false, false) }
	if a.Style.s == "" {
		a.Style = StyleAnime
	}
	if a.Gender.s == "" {
		a.Gender = GenderUnspecified
	}
	return Appearance{
		Style: a.Style, Gender: a.Gender,
		Ethnicity: part("ethnicity", a.Ethnicity), SkinTone: part("skin_tone", a.SkinTone),
		EyeColor: part("eye_color", a.EyeColor), HairStyle: part("hair_style", a.HairStyle),
		HairColor: part("hair_color", a.HairColor), BodyType: part("body_type", a.BodyType),
		Height: part("height", a.Height), Tags: c.list("appearance.tags", a.Tags, MaxTagLen),
	}
}

// Spec returns a copy of the validated spec.
func (p Profile) Spec() ProfileSpec {
	s := p.spec
	s.Persona.Interests = clone(s.Persona.Interests)
	s.Persona.SpeechPatterns = clone(s.Persona.SpeechPatterns)
	s.Persona.BehaviorTraits = clone(s.Persona.BehaviorTraits)
	s.Persona.EmotionalTraits = clone(s.Persona.EmotionalTraits)
	s.Persona.Vulnerabilities = clone(s.Persona.Vulnerabilities)
	s.Persona.Quirks = clone(s.Persona.Quirks)
	s.Appearance.Tags = clone(s.Appearance.Tags)
	s.DefaultOutfit = clone(s.DefaultOutfit)
	s.AlternateGreetings = clone(s.AlternateGreetings)
	s.Tags = clone(s.Tags)
	return s
}

// Shareable is the profile as it may leave its owner's hands — in an exported card, and when the
// companion is published: everything about the owner is left out. That is how the owner describes
// themself (UserAppearance) and their own words for the system prompt (Persona.CustomInstruction);
// the rest describes the character. A shareable profile is still valid: only optional texts go.
func (p Profile) Shareable() Profile {
	s := p.Spec()
	s.UserAppearance = ""
	s.Persona.CustomInstruction = ""
	return Profile{spec: s}
}

// Name is the companion's name.
func (p Profile) Name() string { return p.spec.Name }

// Age is the companion's age, at least 18.
func (p Profile) Age() int { return p.spec.Age }

func clone(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}
