package companion

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

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
// card itself either way, so edits made in other tools win. rating applies when given; age only when
// the card states none (cards from elsewhere often have no age, and the hub needs one): an age the
// card states — in the hub's model or an explicit data.age — is the character's, and a stated minor
// is refused whatever age the caller asks for.
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
	stated, ok, err := statedAge(spec.Age, card.Extra, card.Top)
	if err != nil {
		return companion.ProfileSpec{}, err
	}
	if ok {
		if stated < companion.MinAge {
			return companion.ProfileSpec{}, domain.Invalid(domain.Violation("age", "too_young",
				fmt.Sprintf("the card says the character is %d: a companion is an adult (18 or older), whatever age is asked for", stated)))
		}
		spec.Age = stated
	} else {
		spec.Age = age // zero when not given either: the profile reports it as required
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

// statedAge is the age a card states, if it states one: the hub's model (hub, zero when absent) and
// an explicit age in the card's data or beside it (a V2/V3 card's top level), under any key that reads "age" whatever its case or width
// ("Age", "AGE", "ａｇｅ"), read by ageValue. When several state one, the youngest counts: a card is
// never made older than it says. A stated age that cannot be read is refused (ageValue says why).
func statedAge(hub int, objects ...map[string]json.RawMessage) (int, bool, error) {
	ages := []int{}
	if hub != 0 {
		ages = append(ages, hub)
	}
	for _, extra := range objects {
		for _, k := range slices.Sorted(maps.Keys(extra)) {
			if !strings.EqualFold(strings.TrimSpace(norm.NFKC.String(k)), "age") {
				continue
			}
			n, ok, err := ageValue(extra[k])
			if err != nil {
				return 0, false, err
			}
			if ok {
				ages = append(ages, n)
			}
		}
	}
	if len(ages) == 0 {
		return 0, false, nil
	}
	return slices.Min(ages), true, nil
}

// notStated are the words a card's age says "no age given" with; they state nothing, and the
// caller's age applies. Compared after NFKC, trimmed, case ignored.
var notStated = map[string]bool{"": true, "unknown": true, "ageless": true, "immortal": true, "timeless": true,
	"eternal": true, "adult": true, "n/a": true, "na": true, "none": true, "?": true, "??": true, "???": true, "-": true}

// errUnreadableAge refuses a card whose age is there but not a number we can read. The choice is
// to refuse rather than fall back to the age the caller asks for: a word can state a minor in any
// language ("fifteen", "十五", "quinze"), and telling those from "unknown" would take every
// language's number words — so only the few words of notStated are taken to state no age, and the
// owner fixes anything else in the card (or removes its age) and imports again.
var errUnreadableAge = domain.Invalid(domain.Violation("age", "invalid",
	"the card states an age we cannot read: write it as a number, or remove it and give the age when importing"))

// ageValue reads a stated age from raw JSON: a number (a fraction counts as the years it has
// completed); a string's first run of digits after NFKC normalisation, in any script ("17 years
// old", full-width "１７", Arabic-Indic "١٧"); the youngest of a list's ages. null, an empty list
// and the words of notStated state no age; anything else is errUnreadableAge.
func ageValue(raw json.RawMessage) (int, bool, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, false, errUnreadableAge
	}
	return ageOf(v)
}

func ageOf(v any) (int, bool, error) {
	switch v := v.(type) {
	case nil:
		return 0, false, nil
	case float64:
		if v < 0 {
			return -1, true, nil
		}
		return int(min(v, float64(companion.MaxAge+1))), true, nil
	case string:
		return ageText(v)
	case []any:
		youngest, found := 0, false
		for _, item := range v {
			n, ok, err := ageOf(item)
			if err != nil {
				return 0, false, err
			}
			if ok && (!found || n < youngest) {
				youngest, found = n, true
			}
		}
		return youngest, found, nil
	}
	return 0, false, errUnreadableAge
}

func ageText(s string) (int, bool, error) {
	s = norm.NFKC.String(s)
	start := strings.IndexFunc(s, unicode.IsDigit)
	if start < 0 {
		if notStated[strings.ToLower(strings.TrimSpace(s))] {
			return 0, false, nil
		}
		return 0, false, errUnreadableAge
	}
	n := 0
	for _, r := range s[start:] {
		d, ok := digitValue(r)
		if !ok {
			break
		}
		if n > companion.MaxAge {
			return companion.MaxAge + 1, true, nil // more digits than any age: old beyond any bound
		}
		n = n*10 + d
	}
	return n, true, nil
}

// digitValue is the value of a decimal digit of any script (Unicode Nd). Unicode assigns them in
// runs of ten, zero first, so a digit's value is its distance from the start of its run modulo 10.
func digitValue(r rune) (int, bool) {
	if !unicode.IsDigit(r) {
		return 0, false
	}
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	for _, rg := range unicode.Nd.R16 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi && rg.Stride == 1 {
			return int(r-lo) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if lo, hi := rune(rg.Lo), rune(rg.Hi); r >= lo && r <= hi && rg.Stride == 1 {
			return int(r-lo) % 10, true
		}
	}
	return 0, false
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
