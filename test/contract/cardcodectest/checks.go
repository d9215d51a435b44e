package cardcodectest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// preservesUnknown sends CardV2 (and CardV3 through V2) through every export path and back, and
// checks that everything the hub does not model comes back verbatim — the same bytes once
// whitespace is removed, so even key order inside a value survives.
func preservesUnknown(t *testing.T, c companionuc.CardCodec) {
	pic := Picture(t, 4, 3) // the placeholder is checked elsewhere; drawing it here only costs time
	for _, src := range []string{CardV2, CardV3} {
		in := decode(t, c, []byte(src))
		for _, spec := range []companionuc.CardSpec{companionuc.CardV2, companionuc.CardV3} {
			for _, format := range []companionuc.CardFormat{companionuc.CardJSON, companionuc.CardPNG} {
				name := fmt.Sprintf("%s as %s %s", in.Name, spec, format)
				out, err := c.Encode(t.Context(), in, spec, format, pic)
				require.NoError(t, err, name)
				back := decode(t, c, out)
				assert.Equal(t, in.Name, back.Name, name)
				assert.Equal(t, in.AlternateGreetings, back.AlternateGreetings, name)
				sameBytes(t, in.Extensions, back.Extensions, name+": extensions")
				sameBytes(t, in.CharacterBook, back.CharacterBook, name+": character_book")
				// Nothing is gained either: the empty members a V3 export writes (and a PNG's ccv3 chunk
				// is a V3 export) are not carried back as Extra.
				extra := back.Extra
				require.Equal(t, keys(in.Extra), keys(extra), name+": Extra keys")
				for k, v := range in.Extra {
					sameBytes(t, v, extra[k], name+": Extra["+k+"]")
				}
				require.Equal(t, keys(in.Top), keys(back.Top), name+": Top keys")
				for k, v := range in.Top {
					sameBytes(t, v, back.Top[k], name+": Top["+k+"]")
				}
			}
		}
	}
}

// brokenInput feeds files that are not cards, or are damaged, and expects KindInvalid with reason
// invalid_card and a message for the user.
func brokenInput(t *testing.T, c companionuc.CardCodec) {
	card := PNG(t, TEXt("chara", Base64(CardV2)))
	hugeChunk := bytes.Clone(card)
	binary.BigEndian.PutUint32(hugeChunk[8:], 0x7fff_fff0) // IHDR claims ~2 GiB
	for name, data := range map[string][]byte{
		"empty":                  nil,
		"text":                   []byte("hello, I am not a card"),
		"JSON list":              []byte(`[{"name": "x"}]`),
		"JSON string":            []byte(`"Vex"`),
		"malformed JSON":         []byte(`{"name": "Vex",`),
		"object without fields":  []byte(`{"hello": "world"}`),
		"lorebook":               []byte(`{"spec": "lorebook_v3", "data": {"entries": []}}`),
		"wrong field type":       []byte(`{"spec": "chara_card_v2", "spec_version": "2.0", "data": {"name": "x", "description": 42}}`),
		"data not an object":     []byte(`{"spec": "chara_card_v2", "spec_version": "2.0", "data": "x"}`),
		"truncated PNG":          card[:len(card)/2],
		"PNG without IEND":       card[:len(card)-12],
		"chunk beyond the input": hugeChunk,
		"PNG without a card":     Picture(t, 2, 2),
		"bad base64":             PNG(t, TEXt("chara", "!!not*base64!!")),
		"base64 of not JSON":     PNG(t, TEXt("chara", Base64("just words"))),
		"ZIP without card.json":  ZIP(t, ZipFile{"readme.txt", []byte("hi")}),
		"ZIP with ../":           ZIP(t, ZipFile{"card.json", []byte(CardV3)}, ZipFile{"../evil.png", Picture(t, 1, 1)}),
		"ZIP with bad card.json": ZIP(t, ZipFile{"card.json", []byte("{")}),
		"JPEG":                   JPEG(t, 2, 2),
	} {
		_, err := c.Decode(t.Context(), data)
		e := domain.AsError(err)
		if assert.NotNil(t, e, "%s: want a *domain.Error, got %v", name, err) {
			assert.Equal(t, domain.KindInvalid, e.Kind, name)
			assert.Equal(t, "invalid_card", e.Reason, name)
			assert.NotEmpty(t, e.Message, "%s: the user needs to know what is wrong", name)
		}
	}
}

// sameBytes checks that got is want with insignificant whitespace removed (nil matches nil).
func sameBytes(t *testing.T, want, got json.RawMessage, name string) {
	t.Helper()
	if want == nil {
		assert.Nil(t, got, name)
		return
	}
	var w, g bytes.Buffer
	require.NoError(t, json.Compact(&w, want), name)
	if !assert.NoError(t, json.Compact(&g, got), name) {
		return
	}
	assert.Equal(t, w.String(), g.String(), name)
}

func keys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func fromBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}
