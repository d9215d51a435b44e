package charcard

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ct "github.com/companionhub/companionhub/test/contract/cardcodectest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

func TestDecodeV1(t *testing.T) {
	card := mustDecode(t, readTestdata(t, "v1.json"))
	assert.Equal(t, companionuc.CardV1, card.Spec)
	assert.Equal(t, "Mira", card.Name)
	assert.Equal(t, "dry humour, patient, hates waste", card.Personality)
	assert.Equal(t, "{{user}} washes ashore after the storm of the century.", card.Scenario)
	assert.Contains(t, card.ExampleDialogue, "<START>\n{{user}}: Where am I?")
	ct.AssertJSONEqual(t, []byte(`{"avatar": "none", "chat": "Mira - 2023-5-1 @12h 00m 00s 000ms",
		"create_date": "2023-5-1 @12h 00m 00s 000ms", "talkativeness": "0.5"}`), mustJSON(t, card.Extra))
	assert.Nil(t, card.Top)
	assert.Empty(t, card.Warnings)
}

// TestDecodeLeniently covers what real cards do that the specs do not allow, and what the hub
// reads anyway.
func TestDecodeLeniently(t *testing.T) {
	for name, tc := range map[string]struct {
		doc     string
		check   func(t *testing.T, c companionuc.Card)
		warning string // a substring of the one warning expected, "" for none
	}{
		"null for text and lists": {
			doc: `{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"N","description":null,"tags":null,"alternate_greetings":null,"extensions":null,"character_book":null}}`,
			check: func(t *testing.T, c companionuc.Card) {
				assert.Equal(t, "", c.Description)
				assert.Nil(t, c.Tags)
				assert.Nil(t, c.Extensions)
				assert.Nil(t, c.CharacterBook)
			},
		},
		"tags as one string": {
			doc:     `{"spec":"chara_card_v2","data":{"name":"N","tags":"fantasy, elf ,, magic"}}`,
			check:   func(t *testing.T, c companionuc.Card) { assert.Equal(t, []string{"fantasy", "elf", "magic"}, c.Tags) },
			warning: "data.tags was one piece of text",
		},
		"greetings as one string": {
			doc:     `{"spec":"chara_card_v2","data":{"name":"N","alternate_greetings":"Hi, you."}}`,
			check:   func(t *testing.T, c companionuc.Card) { assert.Equal(t, []string{"Hi, you."}, c.AlternateGreetings) },
			warning: "read as 1 item",
		},
		"newer spec_version": {
			doc:     `{"spec":"chara_card_v3","spec_version":"3.5","data":{"name":"N","group_only_greetings":[]}}`,
			check:   func(t *testing.T, c companionuc.Card) { assert.Equal(t, companionuc.CardV3, c.Spec) },
			warning: "spec version 3.5, newer than the 3.0",
		},
		"spec_version as a number": {
			doc:   `{"spec":"chara_card_v2","spec_version":2,"data":{"name":"N"}}`,
			check: func(t *testing.T, c companionuc.Card) { assert.Equal(t, companionuc.CardV2, c.Spec) },
		},
		"spec_version 2.10 compares as 2.1": {
			doc:     `{"spec":"chara_card_v2","spec_version":"2.10","data":{"name":"N"}}`,
			check:   func(t *testing.T, c companionuc.Card) {},
			warning: "spec version 2.10",
		},
		"spec_version not a number": {
			doc:     `{"spec":"chara_card_v2","spec_version":"two","data":{"name":"N"}}`,
			check:   func(t *testing.T, c companionuc.Card) {},
			warning: "spec_version \"two\" is not a number",
		},
		"unknown spec with a card in data": {
			doc: `{"spec":"chara_card_v4","spec_version":"4.0","data":{"name":"N","x_new":1}}`,
			check: func(t *testing.T, c companionuc.Card) {
				assert.Equal(t, companionuc.CardV2, c.Spec)
				assert.Contains(t, c.Extra, "x_new")
			},
			warning: `spec "chara_card_v4" is unknown`,
		},
		"data without spec": {
			doc:     `{"data":{"name":"N"}}`,
			check:   func(t *testing.T, c companionuc.Card) { assert.Equal(t, "N", c.Name) },
			warning: "no spec",
		},
		"V3 without group_only_greetings": {
			doc:     `{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"N"}}`,
			check:   func(t *testing.T, c companionuc.Card) { assert.Equal(t, companionuc.CardV3, c.Spec) },
			warning: "lacks group_only_greetings",
		},
		"nameless card": {
			doc: `{"description":"A voice in the fog."}`,
			check: func(t *testing.T, c companionuc.Card) {
				assert.Equal(t, "", c.Name)
				assert.Equal(t, companionuc.CardV1, c.Spec)
			},
		},
		"empty V2 data": {
			doc:   `{"spec":"chara_card_v2","spec_version":"2.0","data":{}}`,
			check: func(t *testing.T, c companionuc.Card) { assert.Equal(t, companionuc.CardV2, c.Spec) },
		},
		"BOM and whitespace": {
			doc:   "\ufeff \r\n\t{\"name\":\"N\"} \n",
			check: func(t *testing.T, c companionuc.Card) { assert.Equal(t, "N", c.Name) },
		},
		"V1 with a data key that is no card": {
			doc: `{"name":"N","data":"legacy"}`,
			check: func(t *testing.T, c companionuc.Card) {
				assert.Equal(t, companionuc.CardV1, c.Spec)
				assert.Contains(t, c.Extra, "data")
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			card := mustDecode(t, []byte(tc.doc))
			tc.check(t, card)
			if tc.warning == "" {
				assert.Empty(t, card.Warnings)
			} else if assert.Len(t, card.Warnings, 1) {
				assert.Contains(t, card.Warnings[0], tc.warning)
			}
		})
	}
}

// TestDecodeRefusesWrongTypes checks that a value no reader could make sense of is an error that
// names the field, so the user can find it.
func TestDecodeRefusesWrongTypes(t *testing.T) {
	for doc, want := range map[string]string{
		`{"spec":"chara_card_v2","data":{"name":"N","description":42}}`:             "data.description must be text, not a number",
		`{"spec":"chara_card_v2","data":{"name":["N"]}}`:                            "data.name must be text, not a list",
		`{"spec":"chara_card_v2","data":{"name":"N","tags":[1,2]}}`:                 "data.tags[0] must be text, not a number",
		`{"spec":"chara_card_v2","data":{"name":"N","tags":{"a":1}}}`:               "data.tags must be a list of text, not an object",
		`{"spec":"chara_card_v2","data":{"name":"N","alternate_greetings":[null]}}`: "data.alternate_greetings[0] must be text, not null",
		`{"spec":"chara_card_v2","data":{"name":"N","extensions":"none"}}`:          "data.extensions must be an object, not text",
		`{"spec":"chara_card_v2","data":{"name":"N","character_book":[]}}`:          "data.character_book must be an object, not a list",
		`{"spec":"chara_card_v2","data":[]}`:                                        "data must be an object, not a list",
		`{"spec":"chara_card_v2"}`:                                                  "has a spec but no data object",
		`{"spec":2,"data":{"name":"N"}}`:                                            "spec must be text, not a number",
		`{"spec":"lorebook_v3","data":{"entries":[]}}`:                              `its spec is "lorebook_v3"`,
		`{"first":"x","last":"y"}`:                                                  "has none of name, description",
		`{"name":true}`:                                                             "name must be text, not true/false",
		`{"name": "x",}`:                                                            "malformed near byte",
		`[]`:                                                                        "is a list",
		`"just a string"`:                                                           "not a character card",
		"   ":                                                                       "the card is empty",
	} {
		_, err := New().Decode(t.Context(), []byte(doc))
		requireInvalid(t, err, ReasonInvalidCard, want)
	}
}

func TestDecodeRefusesOversizedJSON(t *testing.T) {
	doc := []byte(`{"name":"N","description":"` + string(make([]byte, maxCardJSON)) + `"}`)
	_, err := New().Decode(t.Context(), doc)
	requireInvalid(t, err, ReasonInvalidCard, "larger than 5 MiB")
}

func TestDecodeRefusesPicturesWithoutCards(t *testing.T) {
	for name, pic := range map[string][]byte{"JPEG": ct.JPEG(t, 2, 2), "WebP": webpLossy(t)} {
		_, err := New().Decode(t.Context(), pic)
		requireInvalid(t, err, ReasonInvalidCard, "this "+name+" picture carries no character card")
	}
	_, err := New().Decode(t.Context(), nil)
	requireInvalid(t, err, ReasonInvalidCard, "the file is empty")
}

func TestDecodeDoesNotAliasInput(t *testing.T) {
	data := ct.PNG(t, ct.TEXt("chara", string(readTestdata(t, "v2.json"))))
	card := mustDecode(t, data)
	clear(data)
	assert.Equal(t, "Captain Vex", card.Name)
	require.NotEmpty(t, card.Image)
	assert.Equal(t, byte(0x89), card.Image[0], "Image is a copy")
	assert.Contains(t, string(card.Extensions), "talkativeness", "raw JSON is a copy")
}
