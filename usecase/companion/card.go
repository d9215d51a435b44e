package companion

import (
	"context"
	"encoding/json"
)

// CardSpec is a character card version.
type CardSpec string

const (
	CardV1 CardSpec = "v1" // flat {name, description, …}
	CardV2 CardSpec = "v2" // {spec: "chara_card_v2", spec_version: "2.0", data: {…}}
	CardV3 CardSpec = "v3" // {spec: "chara_card_v3", spec_version: "3.0", data: {…}}
)

// CardFormat is how a card is packaged.
type CardFormat string

const (
	CardJSON  CardFormat = "json"  // the card object itself
	CardPNG   CardFormat = "png"   // a picture carrying the card in tEXt chunks (chara = V2, ccv3 = V3)
	CardCHARX CardFormat = "charx" // a ZIP with card.json and assets (import only)
)

// Card is a character card in a version-neutral form (see reference/character-cards.md among the shared documents):
// the fields the hub maps onto a companion, and, verbatim, everything it does not model. JSON values
// kept verbatim are raw JSON; the Extra and Top maps hold raw JSON values by key.
type Card struct {
	// Spec is the version the card was read as (ccv3 is preferred over chara in a PNG).
	Spec CardSpec

	Name                    string
	Description             string
	Personality             string
	Scenario                string
	FirstMessage            string
	AlternateGreetings      []string
	ExampleDialogue         string
	SystemPrompt            string
	PostHistoryInstructions string
	CreatorNotes            string
	Tags                    []string

	// CharacterBook is data.character_book, verbatim (nil when absent).
	CharacterBook json.RawMessage
	// Extensions is data.extensions, verbatim (nil when absent; written as {}).
	Extensions json.RawMessage
	// Extra holds every other key of data — creator, character_version, nickname, source,
	// group_only_greetings, assets, creation_date, creator_notes_multilingual, and keys no spec
	// defines — verbatim. For a V1 card (which has no data object) it holds the unknown top-level keys.
	Extra map[string]json.RawMessage
	// Top holds the keys of a V2/V3 card outside data, besides spec and spec_version, verbatim.
	Top map[string]json.RawMessage

	// Image is the card's picture: the PNG it came in, or the main icon of a CHARX (nil if none).
	Image []byte
	// Warnings say what the reader tolerated: a V2 card labelled V3, a newer spec version, an
	// unreadable asset…
	Warnings []string
}

// CardCodec reads and writes character cards. Implementation: adapter/charcard; conformance:
// test/contract/cardcodectest.
//
// Decode recognises the package by content: PNG (tEXt or uncompressed iTXt chunks "ccv3" preferred
// over "chara", base64 or raw JSON, keywords compared case-insensitively), JSON (V1, V2 or V3), or
// CHARX (a ZIP with card.json; the icon asset named main, or the first icon, becomes Image). It never
// trusts its input: chunk, entry and total sizes are capped and anything malformed is KindInvalid
// with reason "invalid_card" and a message saying what is wrong.
//
// Encode writes c as spec (V2 or V3) in format JSON or PNG. For PNG, image (JPEG, PNG or WebP bytes)
// is re-encoded as the carrier picture — or a placeholder is drawn when image is nil — and both a
// V2 "chara" and a V3 "ccv3" chunk are written, so older readers find the card too. Extra and Top
// are written back verbatim; a V3 export fills the fields V3 requires when Extra lacks them.
type CardCodec interface {
	Decode(ctx context.Context, data []byte) (Card, error)
	Encode(ctx context.Context, c Card, spec CardSpec, format CardFormat, image []byte) ([]byte, error)
}
