// Package charcard reads and writes character cards — V1, V2 and V3, packaged as JSON, as a PNG
// carrying the card in text chunks, or (import only) as a CHARX archive — for the companion use
// cases' CardCodec port. The project's reference on character cards (reference/character-cards.md
// among the shared documents) describes the formats and what SillyTavern, RisuAI, Agnai and
// Marinara actually write; this package reads what they write.
//
// Every input is untrusted: a card arrives as an upload. Each step is bounded before it allocates
// (see the caps below), so the worst a hostile file costs is a few times its own size plus the caps,
// and anything malformed is a KindInvalid error with reason "invalid_card" whose message says, in
// plain words, what is wrong — it is shown to the user who uploaded the file.
//
// Leniency follows the real readers: keywords compared case-insensitively, base64 with or without
// padding or line breaks, raw JSON in place of base64, a "V3" card that is V2 JSON with the spec
// swapped (SillyTavern), newer spec versions, null where a string or list belongs, tags written as
// one comma-separated string. What real cards never do — a number where text belongs — is an error
// naming the field, because guessing would silently change the character.
package charcard

import (
	"bytes"
	"context"

	"github.com/companionhub/companionhub/domain"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// Caps on untrusted input. Each is checked against declared sizes before anything is read, and
// again against the bytes actually produced, since declared sizes can lie.
const (
	// maxTextChunk caps one PNG text chunk carrying a card, compressed or not — RisuAI's limit, so
	// what RisuAI writes we read. Other chunks (image data) are walked without being copied.
	maxTextChunk = 5 << 20
	// maxCardJSON caps a card's JSON document in every package: a raw JSON file, a decoded chunk,
	// card.json in a CHARX. Lorebooks make big cards; 5 MiB is several novels of text.
	maxCardJSON = 5 << 20
	// maxChunks caps the chunks walked in a PNG. Encoders split image data into 8–64 KiB IDAT
	// chunks, so a legitimate PNG within any sane size has far fewer; the cap stops a file of
	// millions of empty chunks from costing a loop per 12 bytes.
	maxChunks = 1 << 16
	// maxZipEntries caps the entries of a CHARX. Cards with many emotion sprites have hundreds.
	maxZipEntries = 10000
	// maxZipTotal caps the sum of the declared uncompressed sizes of a CHARX. Only card.json and
	// the icon are read, but an archive declaring more than this is not a card anyone made by hand.
	maxZipTotal = 256 << 20
	// maxIconBytes caps the icon read out of a CHARX: the same limit as any uploaded picture.
	maxIconBytes = mediauc.MaxImageBytes
	// maxImageSide caps each side of the picture Encode decodes, read from its header before the
	// pixels are decoded, so a decompression bomb costs nothing (SPEC §3.2).
	maxImageSide = mediauc.MaxImageDimension
)

// Reasons of the KindInvalid errors this package returns.
const (
	ReasonInvalidCard       = "invalid_card"            // the input is not a readable card
	ReasonCardTooLarge      = "card_too_large"          // the card to export exceeds what a reader accepts
	ReasonUnsupportedSpec   = "unsupported_card_spec"   // Encode was asked for a spec other than V2/V3
	ReasonUnsupportedFormat = "unsupported_card_format" // Encode was asked for a format other than JSON/PNG
	ReasonUnsupportedImage  = "unsupported_image"       // the carrier picture is not JPEG, PNG or WebP
	ReasonImageDimensions   = "image_dimensions"        // the carrier picture is too large
	ReasonCorruptImage      = "corrupt_image"           // the carrier picture cannot be decoded
)

var _ companionuc.CardCodec = (*Codec)(nil)

// Codec implements companionuc.CardCodec. It holds no state and is safe for concurrent use.
type Codec struct{}

// New returns a Codec.
func New() *Codec { return &Codec{} }

var (
	pngSignature = []byte("\x89PNG\r\n\x1a\n")
	zipSignature = []byte("PK\x03\x04")
	zipEnd       = []byte("PK\x05\x06") // the end-of-central-directory record, which an empty archive starts with
	utf8BOM      = []byte("\xef\xbb\xbf")
)

// Decode reads a card from data, recognising the package by content: PNG, ZIP (CHARX), a JPEG
// with a CHARX appended (RisuAI), or JSON.
// The returned Card does not alias data. Errors are KindInvalid (reason invalid_card), or
// KindUnavailable if ctx has already ended.
func (*Codec) Decode(ctx context.Context, data []byte) (companionuc.Card, error) {
	if err := ctx.Err(); err != nil {
		return companionuc.Card{}, domain.Errorf(domain.KindUnavailable, "decode card: %w", err)
	}
	switch {
	case len(data) == 0:
		return companionuc.Card{}, invalidCard("the file is empty")
	case bytes.HasPrefix(data, pngSignature):
		return decodePNG(data)
	case bytes.HasPrefix(data, zipSignature), bytes.HasPrefix(data, zipEnd):
		return decodeCHARX(data)
	case pictureKind(data) == "JPEG" && hasZipEnd(data):
		// RisuAI's "CHARX-JPEG": a JPEG with a CHARX appended, which archive/zip reads like a
		// self-extracting archive. Without a main icon, the file itself is the picture: image
		// decoders stop at the JPEG's end, and the image processor drops what follows.
		card, err := decodeCHARX(data)
		if err == nil && card.Image == nil {
			card.Image = bytes.Clone(data)
		}
		return card, err
	}
	if kind := pictureKind(data); kind != "" {
		return companionuc.Card{}, invalidCard("this %s picture carries no character card: cards come as PNG, JSON or CHARX files", kind)
	}
	if t := trimSpace(bytes.TrimPrefix(trimSpace(data), utf8BOM)); len(t) > 0 && t[0] != '{' && t[0] != '[' {
		return companionuc.Card{}, invalidCard("this file is not a character card: cards come as PNG, JSON or CHARX files")
	}
	return parseCard(data)
}

// Encode writes c as spec (V2 or V3) in format JSON or PNG.
//
// JSON returns the card object of the asked spec, UTF-8, without HTML escaping, indented for
// people who open the file — unless indenting would push it over the size Decode reads, then
// compact.
//
// PNG returns image (JPEG, PNG or WebP) re-encoded as PNG — which also drops its metadata and any
// card chunks it carried — or a placeholder drawn from c.Name when image is nil, with two tEXt
// chunks before IEND: "chara" = base64(V2 JSON) and "ccv3" = base64(V3 JSON), so every reader
// finds the card. The asked spec is the primary one and its chunk comes first: the readers we know
// look chunks up by keyword (preferring ccv3), but naive scripts take the first text chunk. Since
// readers prefer ccv3, a PNG reads back as V3 — a V2 card gains group_only_greetings: [] on the way.
//
// The image is not rotated by its EXIF orientation nor scaled: callers pass a picture that already
// went through the image processor (a companion's stored header).
//
// Errors are KindInvalid: unsupported_card_spec, unsupported_card_format, card_too_large (the card
// would not fit the caps this package reads with), invalid_card (Extra, Top, Extensions or
// CharacterBook holding something that is not JSON of the right shape), unsupported_image,
// image_dimensions or corrupt_image; KindUnavailable if ctx has already ended.
func (*Codec) Encode(ctx context.Context, c companionuc.Card, spec companionuc.CardSpec, format companionuc.CardFormat, image []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, domain.Errorf(domain.KindUnavailable, "encode card: %w", err)
	}
	if spec != companionuc.CardV2 && spec != companionuc.CardV3 {
		return nil, domain.E(domain.KindInvalid, ReasonUnsupportedSpec, "cards are exported as V2 or V3")
	}
	switch format {
	case companionuc.CardJSON:
		doc, err := buildCard(c, spec)
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		if err := indentJSON(&out, doc); err != nil {
			return nil, domain.Errorf(domain.KindInternal, "indent card json: %w", err)
		}
		if out.Len() > maxCardJSON {
			return doc, nil
		}
		return out.Bytes(), nil
	case companionuc.CardPNG:
		return encodePNG(ctx, c, spec, image)
	default:
		return nil, domain.E(domain.KindInvalid, ReasonUnsupportedFormat, "cards are exported as JSON or PNG")
	}
}
