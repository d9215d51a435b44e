package companion

import (
	"encoding/json"
	"maps"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/internal/companionjson"
)

// hubExtension is the key of data.extensions under which an exported card carries the hub's own
// model of the companion (age, structured persona, appearance, outfit, voice…), namespaced as the
// card spec asks, so a card exported by one hub imports into another without losing anything.
const hubExtension = "companionhub"

// toCard maps a companion onto a card: the fields cards define, the hub's model under
// extensions.companionhub, and everything the companion carried from an imported card, verbatim.
func toCard(spec companion.ProfileSpec) (Card, error) {
	card := Card{
		Name: spec.Name, Description: spec.Persona.Description, Personality: spec.Persona.Personality,
		Scenario: spec.Persona.Scenario, FirstMessage: spec.Greeting, AlternateGreetings: spec.AlternateGreetings,
		ExampleDialogue: spec.ExampleDialogue, SystemPrompt: spec.SystemPrompt,
		PostHistoryInstructions: spec.PostHistoryInstructions, CreatorNotes: spec.CreatorNotes, Tags: spec.Tags,
		CharacterBook: spec.Card.CharacterBook,
	}
	ext, err := objectMap(spec.Card.Extensions)
	if err != nil {
		return Card{}, err
	}
	own := spec
	own.Card = companion.CardData{}
	if ext[hubExtension], err = companionjson.Marshal(companionjson.FromSpec(own)); err != nil {
		return Card{}, domain.Errorf(domain.KindInternal, "encode hub extension: %w", err)
	}
	if card.Extensions, err = companionjson.Marshal(ext); err != nil {
		return Card{}, domain.Errorf(domain.KindInternal, "encode extensions: %w", err)
	}
	if card.Extra, err = objectMap(spec.Card.Extra); err != nil {
		return Card{}, err
	}
	if card.Top, err = objectMap(spec.Card.Top); err != nil {
		return Card{}, err
	}
	return card, nil
}

// fromCard maps a card onto a profile spec. A card exported by a hub brings the hub's model in
// extensions.companionhub; the fields every card has (name, description, greetings…) come from the
// card itself either way, so edits made in other tools win. age and rating apply when the card does
// not say: cards from elsewhere have no age, and the hub needs one (at least 18).
func fromCard(card Card, age int, rating companion.ContentRating) (companion.ProfileSpec, error) {
	ext, err := objectMap(card.Extensions)
	if err != nil {
		return companion.ProfileSpec{}, err
	}
	var spec companion.ProfileSpec
	if raw, ok := ext[hubExtension]; ok {
		var doc companionjson.Profile
		if err := json.Unmarshal(raw, &doc); err != nil {
			return companion.ProfileSpec{}, invalidCard("extensions.companionhub is not a companion profile")
		}
		if spec, err = doc.Spec(); err != nil {
			return companion.ProfileSpec{}, err
		}
		delete(ext, hubExtension) // regenerated on export; keeping it would go stale
	}
	if age > 0 {
		spec.Age = age
	}
	if spec.Age == 0 {
		return companion.ProfileSpec{}, domain.Invalid(domain.Violation("age", "required",
			"the card does not give the character's age: say how old they are (18 or older)"))
	}
	if rating.String() != "" {
		spec.ContentRating = rating
	}
	spec.Name, spec.Greeting, spec.AlternateGreetings = card.Name, card.FirstMessage, card.AlternateGreetings
	spec.Persona.Description, spec.Persona.Personality, spec.Persona.Scenario = card.Description, card.Personality, card.Scenario
	spec.ExampleDialogue, spec.SystemPrompt = card.ExampleDialogue, card.SystemPrompt
	spec.PostHistoryInstructions, spec.CreatorNotes, spec.Tags = card.PostHistoryInstructions, card.CreatorNotes, card.Tags
	spec.Card.CharacterBook = card.CharacterBook
	if spec.Card.Extensions, err = rawObject(ext); err != nil {
		return companion.ProfileSpec{}, err
	}
	if spec.Card.Extra, err = rawObject(card.Extra); err != nil {
		return companion.ProfileSpec{}, err
	}
	if spec.Card.Top, err = rawObject(card.Top); err != nil {
		return companion.ProfileSpec{}, err
	}
	return spec, nil
}

// objectMap splits a raw JSON object into its members (an empty map for none).
func objectMap(raw []byte) (map[string]json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(raw) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, invalidCard("card data is not a JSON object")
	}
	if m == nil { // the literal null
		m = map[string]json.RawMessage{}
	}
	return m, nil
}

// rawObject joins members back into a raw object (nil for none, so absent stays absent).
func rawObject(m map[string]json.RawMessage) ([]byte, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := companionjson.Marshal(maps.Clone(m))
	if err != nil {
		return nil, invalidCard("card data is not valid JSON")
	}
	return b, nil
}

func invalidCard(msg string) error { return domain.E(domain.KindInvalid, "invalid_card", msg) }
