package charcard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// The spec strings and the versions this package knows (V3 spec: compare spec_version as a float).
const (
	specV2       = "chara_card_v2"
	specV3       = "chara_card_v3"
	knownV2      = 2.0
	knownV3      = 3.0
	versionV2    = "2.0"
	versionV3    = "3.0"
	keySpec      = "spec"
	keyVersion   = "spec_version"
	keyData      = "data"
	keyGroupOnly = "group_only_greetings"
)

// v1Fields are the fields of a V1 card, which V2 and V3 nest in data. A JSON object with none of
// them is not a card, whatever else it holds.
var v1Fields = []string{"name", "description", "personality", "scenario", "first_mes", "mes_example"}

// modelled are the keys of data that map onto Card fields; every other key goes to Card.Extra.
var modelled = map[string]bool{
	"name": true, "description": true, "personality": true, "scenario": true, "first_mes": true,
	"mes_example": true, "system_prompt": true, "post_history_instructions": true,
	"creator_notes": true, "alternate_greetings": true, "tags": true, "character_book": true,
	"extensions": true,
}

// parseCard reads a card's JSON: V1 (a flat object), V2 or V3 ({spec, spec_version, data}).
//
// Leniency, as the readers people use are lenient: a missing V3 field, a newer spec_version, an
// unknown spec with a data object (read as V2), null for a string or list (read as empty, which is
// the V1 spec's default), tags as one comma-separated string, alternate_greetings as one string —
// each noted in Warnings when it changes meaning. A value of another type where text, a list or an
// object belongs is an error naming the field: there is no faithful way to read it.
func parseCard(doc []byte) (companionuc.Card, error) {
	if len(doc) > maxCardJSON {
		return companionuc.Card{}, invalidCard("the card's JSON is larger than %s, more than any character card needs", mib(maxCardJSON))
	}
	doc = trimSpace(bytes.TrimPrefix(trimSpace(doc), utf8BOM))
	switch {
	case len(doc) == 0:
		return companionuc.Card{}, invalidCard("the card is empty")
	case doc[0] == '[':
		return companionuc.Card{}, invalidCard("the card's JSON is a list, not a character card object")
	case doc[0] != '{':
		return companionuc.Card{}, invalidCard("the card's text is not JSON")
	case !utf8.Valid(doc):
		return companionuc.Card{}, invalidCard("the card's text is not valid UTF-8")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return companionuc.Card{}, invalidCard("the card's JSON is malformed near byte %d", syn.Offset)
		}
		return companionuc.Card{}, invalidCard("the card's JSON is malformed")
	}

	var warnings []string
	var data map[string]json.RawMessage
	if raw, ok := top[keyData]; ok && isObject(raw) {
		if err := json.Unmarshal(raw, &data); err != nil {
			return companionuc.Card{}, invalidCard("the card's data object is malformed")
		}
	}
	dataIsCard := hasCardField(data)
	spec := companionuc.CardV1
	labelled := false // spec names a version this package knows, so spec_version is worth checking
	if raw, ok := top[keySpec]; ok {
		var s string
		if !isString(raw) || json.Unmarshal(raw, &s) != nil {
			return companionuc.Card{}, invalidCard("spec must be text, not %s", jsonType(raw))
		}
		switch {
		case s == specV2:
			spec, labelled = companionuc.CardV2, true
		case s == specV3:
			spec, labelled = companionuc.CardV3, true
		case dataIsCard:
			spec = companionuc.CardV2
			warnings = append(warnings, fmt.Sprintf("the card's spec %q is unknown; it was read as a V2 card", printable(s)))
		default:
			return companionuc.Card{}, invalidCard("this is not a character card: its spec is %q", printable(s))
		}
	} else if dataIsCard {
		spec = companionuc.CardV2
		warnings = append(warnings, "the card has a data object but no spec; it was read as a V2 card")
	}

	var card companionuc.Card
	var err error
	if spec == companionuc.CardV1 {
		if !hasCardField(top) {
			return companionuc.Card{}, invalidCard("this JSON is not a character card: it has none of %s", strings.Join(v1Fields, ", "))
		}
		card, err = readFields(top, "", &warnings, false)
	} else {
		card, err = readV2V3(top, data, spec, labelled, &warnings)
	}
	if err != nil {
		return companionuc.Card{}, err
	}
	card.Spec = spec
	card.Warnings = warnings
	return card, nil
}

// readV2V3 reads a {spec, spec_version, data} card: data's fields, Extra from the rest of data,
// Top from the rest of the object. data is top's data, already parsed (nil if it is no object);
// labelled says whether spec was read from a known spec string rather than guessed.
func readV2V3(top, data map[string]json.RawMessage, spec companionuc.CardSpec, labelled bool, warnings *[]string) (companionuc.Card, error) {
	raw, ok := top[keyData]
	if !ok {
		return companionuc.Card{}, invalidCard("the card has a spec but no data object")
	}
	if data == nil {
		return companionuc.Card{}, invalidCard("data must be an object, not %s", jsonType(raw))
	}
	_, v3Complete := data[keyGroupOnly]
	version := top[keyVersion]
	card, err := readFields(data, "data.", warnings, spec == companionuc.CardV3)
	if err != nil {
		return companionuc.Card{}, err
	}
	// top is ours (decoded above) and no longer needed: what is left of it is Top.
	delete(top, keySpec)
	delete(top, keyVersion)
	delete(top, keyData)
	if len(top) > 0 {
		card.Top = top
	}
	known := knownV2
	if spec == companionuc.CardV3 {
		known = knownV3
		if !v3Complete {
			*warnings = append(*warnings, "the card says V3 but lacks group_only_greetings, as SillyTavern writes it; it was read as a V2 card relabelled")
		}
	}
	if w := versionWarning(version, known); w != "" && labelled {
		*warnings = append(*warnings, w)
	}
	return card, nil
}

// readFields reads the modelled fields of obj (data, or a V1 card's top level) and keeps every
// other key as Extra; obj itself becomes Extra, so it must not be used afterwards. prefix names the
// object in messages; v3 says the card was read as V3.
func readFields(obj map[string]json.RawMessage, prefix string, warnings *[]string, v3 bool) (companionuc.Card, error) {
	f := fields{obj: obj, prefix: prefix, warnings: warnings}
	c := companionuc.Card{
		Name:                    f.str("name"),
		Description:             f.str("description"),
		Personality:             f.str("personality"),
		Scenario:                f.str("scenario"),
		FirstMessage:            f.str("first_mes"),
		ExampleDialogue:         f.str("mes_example"),
		SystemPrompt:            f.str("system_prompt"),
		PostHistoryInstructions: f.str("post_history_instructions"),
		CreatorNotes:            f.str("creator_notes"),
		AlternateGreetings:      f.list("alternate_greetings", oneGreeting),
		Tags:                    f.list("tags", splitTags),
		CharacterBook:           f.object("character_book"),
		Extensions:              f.object("extensions"),
	}
	if f.err != nil {
		return companionuc.Card{}, f.err
	}
	// obj is ours (decoded by the caller) and no longer needed: what is left of it is Extra.
	for k := range modelled {
		delete(obj, k)
	}
	dropWrittenDefaults(obj, v3)
	if len(obj) > 0 {
		c.Extra = obj
	}
	return c, nil
}

// dropWrittenDefaults removes from Extra the required members every export writes anyway with the
// same value — empty creator and character_version, and for a V3 card an empty group_only_greetings —
// so that a card a hub exported and imports again carries nothing it did not bring (a PNG's V3 chunk
// adds them to what was a V2 card), while exporting it again still gives them back.
func dropWrittenDefaults(extra map[string]json.RawMessage, v3 bool) {
	defaults := map[string]string{"creator": `""`, "character_version": `""`}
	if v3 {
		defaults[keyGroupOnly] = `[]`
	}
	for k, def := range defaults {
		if v, ok := extra[k]; ok && string(bytes.TrimSpace(v)) == def {
			delete(extra, k)
		}
	}
}

// fields reads typed values out of a JSON object, keeping the first error so a caller can read
// every field and check once.
type fields struct {
	obj      map[string]json.RawMessage
	prefix   string
	warnings *[]string
	err      error
}

func (f *fields) fail(format string, args ...any) {
	if f.err == nil {
		f.err = invalidCard(format, args...)
	}
}

// str reads a string; absent and null read as "".
func (f *fields) str(key string) string {
	raw, ok := f.obj[key]
	if !ok || isNull(raw) {
		return ""
	}
	var s string
	if !isString(raw) || json.Unmarshal(raw, &s) != nil {
		f.fail("%s%s must be text, not %s", f.prefix, key, jsonType(raw))
	}
	return s
}

// list reads a list of strings; absent and null read as nil. A single string is turned into a
// list by fromText, with a warning.
func (f *fields) list(key string, fromText func(string) []string) []string {
	raw, ok := f.obj[key]
	if !ok || isNull(raw) {
		return nil
	}
	if isString(raw) {
		items := fromText(f.str(key))
		*f.warnings = append(*f.warnings, fmt.Sprintf("%s%s was one piece of text instead of a list; it was read as %d item(s)", f.prefix, key, len(items)))
		return items
	}
	var items []json.RawMessage
	if trimSpace(raw)[0] != '[' || json.Unmarshal(raw, &items) != nil {
		f.fail("%s%s must be a list of text, not %s", f.prefix, key, jsonType(raw))
		return nil
	}
	out := make([]string, len(items))
	for i, it := range items {
		if !isString(it) || json.Unmarshal(it, &out[i]) != nil {
			f.fail("%s%s[%d] must be text, not %s", f.prefix, key, i, jsonType(it))
			return nil
		}
	}
	return out
}

// object reads an object verbatim; absent and null read as nil.
func (f *fields) object(key string) json.RawMessage {
	raw, ok := f.obj[key]
	if !ok || isNull(raw) {
		return nil
	}
	if !isObject(raw) {
		f.fail("%s%s must be an object, not %s", f.prefix, key, jsonType(raw))
		return nil
	}
	return raw
}

// splitTags reads tags written as one comma-separated string, as hand-made cards do.
func splitTags(s string) []string {
	var out []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// oneGreeting reads alternate_greetings written as one string as that one greeting.
func oneGreeting(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return []string{s}
}

// versionWarning warns about a spec_version newer than known, or one that is not a number. A
// missing spec_version says nothing worth a warning: the spec string already named the version.
func versionWarning(raw json.RawMessage, known float64) string {
	if raw == nil || isNull(raw) {
		return ""
	}
	text := string(trimSpace(raw))
	if isString(raw) {
		_ = json.Unmarshal(raw, &text)
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil {
		return fmt.Sprintf("the card's spec_version %s is not a number; it was read as version %.1f", trimSpace(raw), known)
	}
	if v > known {
		return fmt.Sprintf("the card uses spec version %s, newer than the %.1f this hub reads; fields it does not know are kept as they are", text, known)
	}
	return ""
}

// hasCardField reports whether obj has any V1 field.
func hasCardField(obj map[string]json.RawMessage) bool {
	for _, k := range v1Fields {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

func isNull(raw []byte) bool   { return string(trimSpace(raw)) == "null" }
func isString(raw []byte) bool { t := trimSpace(raw); return len(t) > 0 && t[0] == '"' }
func isObject(raw []byte) bool { t := trimSpace(raw); return len(t) > 0 && t[0] == '{' }
