package charcard

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	ct "github.com/companionhub/companionhub/test/contract/cardcodectest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

func TestEncodeJSONDoesNotEscapeHTML(t *testing.T) {
	out := mustEncode(t, mustDecode(t, readTestdata(t, "v2.json")), companionuc.CardV2, companionuc.CardJSON, nil)
	assert.Contains(t, string(out), "<Marrow> & owes money")
	assert.Contains(t, string(out), "<START>")
	assert.NotContains(t, string(out), `\u003c`)
	assert.NotContains(t, string(out), `\u0026`)
	assert.True(t, json.Valid(out))
}

func TestEncodeModelledFieldsWin(t *testing.T) {
	card := mustDecode(t, readTestdata(t, "v2.json"))
	card.Name = "Admiral Vex"
	card.Extra["name"] = json.RawMessage(`"shadowed"`)        // a modelled key in Extra is ignored
	card.Top["data"] = json.RawMessage(`{"name":"shadowed"}`) // so are spec, spec_version and data in Top
	card.Top["spec"] = json.RawMessage(`"chara_card_v9"`)
	var doc struct {
		Spec string
		Name string
		Data struct{ Name string }
	}
	require.NoError(t, json.Unmarshal(mustEncode(t, card, companionuc.CardV2, companionuc.CardJSON, nil), &doc))
	assert.Equal(t, "chara_card_v2", doc.Spec)
	assert.Equal(t, "Admiral Vex", doc.Data.Name)
	assert.Equal(t, "Captain Vex", doc.Name, "the top-level V1 copy is Top, written as it is")
}

func TestEncodeRefusesBrokenRawJSON(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(*companionuc.Card)
		want string
	}{
		"Extra not JSON":       {func(c *companionuc.Card) { c.Extra = map[string]json.RawMessage{"x": json.RawMessage(`{`)} }, "field x is not valid JSON"},
		"Extra empty":          {func(c *companionuc.Card) { c.Extra = map[string]json.RawMessage{"x": {}} }, "field x is not valid JSON"},
		"Top not JSON":         {func(c *companionuc.Card) { c.Top = map[string]json.RawMessage{"y": json.RawMessage(`nope`)} }, "top-level field y is not valid JSON"},
		"extensions a list":    {func(c *companionuc.Card) { c.Extensions = json.RawMessage(`[]`) }, "extensions must be a JSON object, not a list"},
		"character book text":  {func(c *companionuc.Card) { c.CharacterBook = json.RawMessage(`"book"`) }, "character book must be a JSON object"},
		"extensions malformed": {func(c *companionuc.Card) { c.Extensions = json.RawMessage(`{"a":}`) }, "extensions is not valid JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			card := companionuc.Card{Name: "N"}
			tc.edit(&card)
			for _, format := range []companionuc.CardFormat{companionuc.CardJSON, companionuc.CardPNG} {
				_, err := New().Encode(t.Context(), card, companionuc.CardV3, format, nil)
				requireInvalid(t, err, ReasonInvalidCard, tc.want)
			}
		})
	}
}

func TestEncodeStaysWithinWhatDecodeReads(t *testing.T) {
	card := companionuc.Card{Name: "N", Description: strings.Repeat("x", maxCardJSON)}
	_, err := New().Encode(t.Context(), card, companionuc.CardV2, companionuc.CardJSON, nil)
	requireInvalid(t, err, ReasonCardTooLarge, "exceed 5 MiB")

	// 4 MiB of JSON fits a JSON file but not, as base64, a 5 MiB chunk.
	card.Description = strings.Repeat("x", 4<<20)
	out := mustEncode(t, card, companionuc.CardV2, companionuc.CardJSON, nil)
	assert.Equal(t, card.Description, mustDecode(t, out).Description)
	_, err = New().Encode(t.Context(), card, companionuc.CardV2, companionuc.CardPNG, nil)
	requireInvalid(t, err, ReasonCardTooLarge, "chunk would exceed 5 MiB")

	// Just under the cap compact, over it indented: the file comes out compact, and reads back.
	card.Description = ""
	overhead := len(mustJSON(t, ct.ParseJSON(t, mustEncode(t, card, companionuc.CardV2, companionuc.CardJSON, nil))))
	card.Description = strings.Repeat("y", maxCardJSON-overhead-8) // compact fits; indented, ~30 lines of 2–4 spaces do not
	out = mustEncode(t, card, companionuc.CardV2, companionuc.CardJSON, nil)
	assert.LessOrEqual(t, len(out), maxCardJSON)
	assert.NotContains(t, string(out[:100]), "\n", "compact")
	assert.Equal(t, card.Description, mustDecode(t, out).Description)
}

func TestEncodePNGChunkOrderFollowsSpec(t *testing.T) {
	card := mustDecode(t, readTestdata(t, "v3.json"))
	for spec, want := range map[companionuc.CardSpec][]string{
		companionuc.CardV2: {"chara", "ccv3"},
		companionuc.CardV3: {"ccv3", "chara"},
	} {
		var got []string
		chunks := ct.Chunks(t, mustEncode(t, card, spec, companionuc.CardPNG, ct.Picture(t, 2, 2)))
		for _, c := range chunks {
			if c.Type == "tEXt" {
				kw, _, _ := bytes.Cut(c.Data, []byte{0})
				got = append(got, string(kw))
			}
		}
		assert.Equal(t, want, got, spec)
		assert.Equal(t, "IEND", chunks[len(chunks)-1].Type, "the card chunks come before IEND")
	}
}

func TestEncodePNGPicture(t *testing.T) {
	card := companionuc.Card{Name: "Pic"}
	for name, tc := range map[string]struct {
		picture []byte
		w, h    int
	}{
		"PNG":           {ct.Picture(t, 9, 4), 9, 4},
		"JPEG":          {ct.JPEG(t, 17, 3), 17, 3},
		"WebP lossy":    {webpLossy(t), 1, 1},
		"WebP lossless": {webpLossless(t), 1, 1},
		"placeholder":   {nil, placeholderSize, placeholderSize},
	} {
		t.Run(name, func(t *testing.T) {
			out := mustEncode(t, card, companionuc.CardV2, companionuc.CardPNG, tc.picture)
			img, err := png.Decode(bytes.NewReader(out))
			require.NoError(t, err)
			assert.Equal(t, image.Rect(0, 0, tc.w, tc.h), img.Bounds())
			if name == "PNG" { // lossless: every pixel survives the re-encode
				src, _ := png.Decode(bytes.NewReader(tc.picture))
				for y := range tc.h {
					for x := range tc.w {
						require.Equal(t, rgba(src.At(x, y)), rgba(img.At(x, y)), "pixel %d,%d", x, y)
					}
				}
			}
		})
	}
}

func rgba(c interface{ RGBA() (r, g, b, a uint32) }) [4]uint32 {
	r, g, b, a := c.RGBA()
	return [4]uint32{r, g, b, a}
}

func TestEncodePNGStripsPictureMetadata(t *testing.T) {
	pic := ct.PNG(t, ct.TEXt("Comment", "GPS 51.5N 0.1W"), ct.TEXt("CHARA", ct.Base64(`{"name":"old"}`)), ct.ITXt("ccv3", `{"name":"old"}`))
	out := mustEncode(t, companionuc.Card{Name: "New"}, companionuc.CardV3, companionuc.CardPNG, pic)
	var kws []string
	for _, c := range ct.Chunks(t, out) {
		if c.Type == "tEXt" || c.Type == "iTXt" || c.Type == "zTXt" {
			kw, _, _ := bytes.Cut(c.Data, []byte{0})
			kws = append(kws, string(kw))
		}
	}
	assert.Equal(t, []string{"ccv3", "chara"}, kws)
	assert.Equal(t, "New", mustDecode(t, out).Name)
}

func TestWithTextChunksReplacesCardChunks(t *testing.T) {
	// Re-encoding already drops them; withTextChunks must not rely on it.
	pic := ct.PNG(t, ct.TEXt("Chara", "old"), ct.ITXt("CCV3", "old"), ct.TEXt("Software", "kept"))
	out, err := withTextChunks(pic, textChunk{"chara", []byte("new")})
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{"chara": {"new"}, "Software": {"kept"}}, ct.TextChunks(t, out))
	var itxt int
	for _, c := range ct.Chunks(t, out) {
		if c.Type == "iTXt" {
			itxt++
		}
	}
	assert.Zero(t, itxt)
}

func TestEncodePNGRefusesBadPictures(t *testing.T) {
	card := companionuc.Card{Name: "N"}
	wide := ct.Picture(t, maxImageSide+1, 1)
	for name, tc := range map[string]struct {
		picture      []byte
		reason, want string
	}{
		"GIF":           {[]byte("GIF89a\x01\x00\x01\x00"), ReasonUnsupportedImage, "JPEG, PNG or WebP"},
		"text":          {[]byte("hello"), ReasonUnsupportedImage, "JPEG, PNG or WebP"},
		"too wide":      {wide, ReasonImageDimensions, "2049×1 pixels; at most 2048×2048"},
		"broken PNG":    {append(bytes.Clone(pngSignature), "garbage"...), ReasonCorruptImage, "damaged"},
		"broken JPEG":   {[]byte("\xff\xd8\xff\xe0garbage"), ReasonCorruptImage, "damaged"},
		"truncated PNG": {ct.Picture(t, 40, 40)[:60], ReasonCorruptImage, "damaged"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New().Encode(t.Context(), card, companionuc.CardV3, companionuc.CardPNG, tc.picture)
			requireInvalid(t, err, tc.reason, tc.want)
		})
	}
}

func TestPlaceholderIsDeterministicPerName(t *testing.T) {
	// Compared as pixels: the PNG encoder is deterministic, and encoding is tested above.
	a1, a2, b := drawPlaceholder("Mira"), drawPlaceholder("Mira"), drawPlaceholder("Vex")
	assert.True(t, bytes.Equal(a1.Pix, a2.Pix), "same name, same picture")
	assert.False(t, bytes.Equal(a1.Pix, b.Pix), "names tell apart")
	centre, corner := a1.RGBAAt(placeholderSize/2, placeholderSize*2/5), a1.RGBAAt(2, 2)
	assert.NotEqual(t, corner, centre, "the silhouette shows")
}

func TestEncodeArguments(t *testing.T) {
	card := companionuc.Card{Name: "N"}
	_, err := New().Encode(t.Context(), card, companionuc.CardV1, companionuc.CardJSON, nil)
	requireInvalid(t, err, ReasonUnsupportedSpec, "V2 or V3")
	_, err = New().Encode(t.Context(), card, companionuc.CardV3, companionuc.CardCHARX, nil)
	requireInvalid(t, err, ReasonUnsupportedFormat, "JSON or PNG")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = New().Encode(ctx, card, companionuc.CardV3, companionuc.CardJSON, nil)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	_, err = New().Decode(ctx, []byte(`{"name":"N"}`))
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
}
