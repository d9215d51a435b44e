package charcard

import (
	"bytes"
	"encoding/json"
	"slices"

	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// extraOrder is where known Extra keys go in an exported data object, after the modelled fields;
// other keys follow in sorted order. Only the order is chosen here, never the content.
var extraOrder = []string{
	"creator", "character_version", "nickname", "creator_notes_multilingual", "source",
	keyGroupOnly, "creation_date", "modification_date", "assets",
}

// buildCard writes c as a compact card of spec (V2 or V3): the modelled fields, then Extra and Top
// verbatim, so keys this hub does not know survive an import and an export unchanged.
//
// Fields both specs require are always written (empty when unset): name, description, personality,
// scenario, first_mes, mes_example, creator_notes, system_prompt, post_history_instructions,
// alternate_greetings, tags, creator, character_version and extensions ({}). A V3 export also
// writes group_only_greetings ([]) when Extra lacks it. Nothing optional is invented: no assets,
// nickname or dates. A V2 export keeps V3-only keys in Extra as they are — V2 readers ignore them,
// and dropping them would lose them for good.
//
// An Extra key that names a modelled field, and a Top key spec, spec_version or data, is ignored:
// the modelled value is the truth. Other Top keys are written as they are — including the copies
// of V1 fields that SillyTavern and Agnai put at the top level for V1 readers. Refreshing them from
// the card would keep them current after an edit, but would also change cards whose copies already
// disagreed with data, breaking the promise that import then export gives the same card; keeping
// them current is the job of whoever edits the card.
func buildCard(c companionuc.Card, spec companionuc.CardSpec) ([]byte, error) {
	var data object
	data.str("name", c.Name)
	data.str("description", c.Description)
	data.str("personality", c.Personality)
	data.str("scenario", c.Scenario)
	data.str("first_mes", c.FirstMessage)
	data.str("mes_example", c.ExampleDialogue)
	data.str("creator_notes", c.CreatorNotes)
	data.str("system_prompt", c.SystemPrompt)
	data.str("post_history_instructions", c.PostHistoryInstructions)
	data.list("alternate_greetings", c.AlternateGreetings)
	data.list("tags", c.Tags)
	if c.CharacterBook != nil {
		data.object("character_book", c.CharacterBook, "character book")
	}
	if c.Extensions != nil {
		data.object("extensions", c.Extensions, "extensions")
	} else {
		data.raw("extensions", []byte("{}"), "extensions")
	}
	defaults := map[string]string{"creator": `""`, "character_version": `""`}
	if spec == companionuc.CardV3 {
		defaults[keyGroupOnly] = `[]`
	}
	for _, k := range orderedKeys(c.Extra, extraOrder) {
		if modelled[k] {
			continue
		}
		if v, ok := c.Extra[k]; ok {
			data.raw(k, v, "field "+printable(k))
		} else if d, ok := defaults[k]; ok {
			data.raw(k, []byte(d), k)
		}
	}
	if data.err != nil {
		return nil, data.err
	}

	var top object
	if spec == companionuc.CardV3 {
		top.str(keySpec, specV3)
		top.str(keyVersion, versionV3)
	} else {
		top.str(keySpec, specV2)
		top.str(keyVersion, versionV2)
	}
	top.raw(keyData, data.bytes(), "data")
	for _, k := range orderedKeys(c.Top, nil) {
		if k != keySpec && k != keyVersion && k != keyData {
			top.raw(k, c.Top[k], "top-level field "+printable(k))
		}
	}
	if top.err != nil {
		return nil, top.err
	}
	if top.buf.Len()+1 > maxCardJSON {
		return nil, tooLarge("JSON", maxCardJSON)
	}
	return top.bytes(), nil
}

// orderedKeys returns first, then the other keys of m sorted. A key of first that m lacks is still
// returned, so the caller can write a default for it in its place (or skip it).
func orderedKeys(m map[string]json.RawMessage, first []string) []string {
	keys := slices.Clone(first)
	rest := make([]string, 0, len(m))
	for k := range m {
		if !slices.Contains(first, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

// object writes a JSON object key by key, in the caller's order, without HTML escaping (a card is
// text for people and prompts: "<START>" must stay "<START>"). The first error sticks.
type object struct {
	buf bytes.Buffer
	n   int
	err error
}

func (o *object) key(k string) {
	if o.n == 0 {
		o.buf.WriteByte('{')
	} else {
		o.buf.WriteByte(',')
	}
	o.n++
	o.buf.Write(marshalText(k))
	o.buf.WriteByte(':')
}

func (o *object) str(k, v string) {
	o.key(k)
	o.buf.Write(marshalText(v))
}

func (o *object) list(k string, v []string) {
	o.key(k)
	o.buf.WriteByte('[')
	for i, s := range v {
		if i > 0 {
			o.buf.WriteByte(',')
		}
		o.buf.Write(marshalText(s))
	}
	o.buf.WriteByte(']')
}

// raw writes a verbatim JSON value, compacted (json.Compact neither escapes nor reorders).
func (o *object) raw(k string, v []byte, what string) {
	if o.err != nil {
		return
	}
	o.key(k)
	if err := json.Compact(&o.buf, v); err != nil || len(trimSpace(v)) == 0 {
		o.err = invalidCard("the card's %s is not valid JSON", what)
	}
}

// object writes a verbatim value that must be a JSON object.
func (o *object) object(k string, v []byte, what string) {
	if !isObject(v) && o.err == nil {
		o.err = invalidCard("the card's %s must be a JSON object, not %s", what, jsonType(v))
	}
	o.raw(k, v, what)
}

func (o *object) bytes() []byte {
	if o.n == 0 {
		return []byte("{}")
	}
	return append(o.buf.Bytes(), '}')
}

// marshalText encodes s as a JSON string without HTML escaping.
func marshalText(s string) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a Go string always encodes
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// indentJSON writes doc indented by two spaces, for a JSON file people may open.
func indentJSON(dst *bytes.Buffer, doc []byte) error {
	return json.Indent(dst, doc, "", "  ")
}
