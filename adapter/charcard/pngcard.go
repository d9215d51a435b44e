package charcard

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"io"

	"github.com/companionhub/companionhub/domain"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// Card chunk keywords, in order of preference (V3 spec §embedding: "if both exist, prefer ccv3").
const (
	keywordCCV3  = "ccv3"
	keywordChara = "chara"
)

// decodePNG reads the card from a PNG's text chunks. Like SillyTavern it takes the first ccv3 chunk,
// else the first chara chunk; unlike SillyTavern, a ccv3 chunk that cannot be read falls back to a
// readable chara chunk with a warning, since both are meant to hold the same character.
//
// A checksum mismatch is fatal in a card chunk — the text would be silently corrupt, and a damaged
// letter in a lorebook key is worse than a refusal — but only a warning elsewhere: the card is
// intact, only the picture is damaged, and the image processor decides about the picture later.
func decodePNG(data []byte) (companionuc.Card, error) {
	r, err := newChunkReader(data)
	if err != nil {
		return companionuc.Card{}, err
	}
	var ccv3, chara *pngChunk
	damaged := false
	for {
		c, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return companionuc.Card{}, err
		}
		switch kw, ok := cardKeyword(c); {
		case !ok:
			damaged = damaged || !c.crcOK
		case kw == keywordCCV3 && ccv3 == nil:
			ccv3 = &c
		case kw == keywordChara && chara == nil:
			chara = &c
		}
	}
	var card companionuc.Card
	switch {
	case ccv3 == nil && chara == nil:
		return companionuc.Card{}, invalidCard("this PNG carries no character card: it has no chara or ccv3 text chunk")
	case ccv3 == nil:
		card, err = cardFromChunk(keywordChara, *chara)
	default:
		card, err = cardFromChunk(keywordCCV3, *ccv3)
		if err != nil && chara != nil {
			if fallback, ferr := cardFromChunk(keywordChara, *chara); ferr == nil {
				w := "the ccv3 chunk could not be read (" + errMessage(err) + "); the chara chunk was used instead"
				fallback.Warnings = append([]string{w}, fallback.Warnings...)
				card, err = fallback, nil
			}
		}
	}
	if err != nil {
		return companionuc.Card{}, err // the preferred chunk's problem, when both fail
	}
	if damaged {
		card.Warnings = append(card.Warnings, "the picture in this PNG is damaged (a checksum does not match); the card itself was read intact")
	}
	card.Image = bytes.Clone(data)
	return card, nil
}

// cardFromChunk parses the card in one text chunk.
func cardFromChunk(keyword string, c pngChunk) (companionuc.Card, error) {
	if len(c.data) > maxTextChunk {
		return companionuc.Card{}, invalidCard("the %s chunk is larger than %s, more than any character card needs", keyword, mib(maxTextChunk))
	}
	if !c.crcOK {
		return companionuc.Card{}, invalidCard("the %s chunk is damaged: its checksum does not match its content", keyword)
	}
	text, err := chunkText(keyword, c)
	if err != nil {
		return companionuc.Card{}, err
	}
	payload, err := decodePayload(keyword, text)
	if err != nil {
		return companionuc.Card{}, err
	}
	return parseCard(payload)
}

// cardKeyword returns keywordCCV3 or keywordChara when c is a text chunk (tEXt, iTXt or zTXt) with
// that keyword in any case: SillyTavern compares case-insensitively, and old tools wrote "Chara".
func cardKeyword(c pngChunk) (string, bool) {
	if c.typ != "tEXt" && c.typ != "iTXt" && c.typ != "zTXt" {
		return "", false
	}
	kw, _, ok := bytes.Cut(c.data[:min(len(c.data), 80)], []byte{0}) // keywords are 1–79 bytes
	switch {
	case !ok:
		return "", false
	case bytes.EqualFold(kw, []byte(keywordCCV3)):
		return keywordCCV3, true
	case bytes.EqualFold(kw, []byte(keywordChara)):
		return keywordChara, true
	}
	return "", false
}

// chunkText returns the text of a card chunk: as stored for tEXt and uncompressed iTXt (Marinara
// reads both), inflated for zTXt and compressed iTXt — up to maxTextChunk, so a few kilobytes of
// zlib cannot expand into gigabytes.
func chunkText(keyword string, c pngChunk) ([]byte, error) {
	_, rest, _ := bytes.Cut(c.data, []byte{0})
	damaged := invalidCard("the %s chunk is damaged: its header is incomplete", keyword)
	switch c.typ {
	case "tEXt":
		return rest, nil
	case "zTXt":
		if len(rest) < 1 {
			return nil, damaged
		}
		return inflate(keyword, rest[0], rest[1:])
	}
	// iTXt: compression flag, compression method, language tag NUL, translated keyword NUL, text.
	if len(rest) < 2 {
		return nil, damaged
	}
	flag, method := rest[0], rest[1]
	_, rest, ok := bytes.Cut(rest[2:], []byte{0})
	if ok {
		_, rest, ok = bytes.Cut(rest, []byte{0})
	}
	if !ok {
		return nil, damaged
	}
	if flag == 0 {
		return rest, nil
	}
	return inflate(keyword, method, rest)
}

// inflate decompresses a zlib stream (PNG compression method 0) of at most maxTextChunk bytes.
func inflate(keyword string, method byte, data []byte) ([]byte, error) {
	if method != 0 {
		return nil, invalidCard("the %s chunk uses an unknown compression method", keyword)
	}
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, invalidCard("the %s chunk is damaged: its compressed text cannot be read", keyword)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxTextChunk+1))
	if err != nil {
		return nil, invalidCard("the %s chunk is damaged: its compressed text cannot be read", keyword)
	}
	if len(out) > maxTextChunk {
		return nil, invalidCard("the %s chunk expands to more than %s, more than any character card needs", keyword, mib(maxTextChunk))
	}
	return out, nil
}

// decodePayload turns a chunk's text into card JSON. Writers store base64 of UTF-8 JSON (standard
// alphabet; padding and line breaks vary), Marinara also raw JSON, which starts with '{' — a
// character base64 never contains — so the two cannot be confused.
func decodePayload(keyword string, text []byte) ([]byte, error) {
	t := trimSpace(bytes.TrimPrefix(trimSpace(text), utf8BOM))
	if len(t) == 0 {
		return nil, invalidCard("the %s chunk is empty", keyword)
	}
	if t[0] == '{' {
		return t, nil
	}
	clean := make([]byte, 0, len(t))
	for _, b := range t {
		if !isJSONSpace(b) {
			clean = append(clean, b)
		}
	}
	clean = bytes.TrimRight(clean, "=")
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return nil, invalidCard("the %s chunk holds neither base64 nor JSON text", keyword)
	}
	return out[:n], nil
}

// errMessage is the user-facing message of an error from this package.
func errMessage(err error) string {
	if de := domain.AsError(err); de != nil && de.Message != "" {
		return de.Message
	}
	return "it is malformed"
}
