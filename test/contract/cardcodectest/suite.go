// Package cardcodectest is the conformance suite of the companion use cases' CardCodec port. Every
// implementation runs it from a test:
//
//	func TestConformance(t *testing.T) { cardcodectest.Run(t, mycodec.New()) }
//
// It checks the behaviour the port's doc promises, with cards and files built here — by hand, the
// way other tools write them — never by the implementation under test: decoding of each version and
// package, ccv3 preferred over chara, unknown keys surviving every export path verbatim, PNG exports
// carrying both chunks, and broken input answered with KindInvalid "invalid_card". The builders and
// AssertJSONEqual are exported for implementations' own tests.
package cardcodectest

import (
	"bytes"
	"encoding/json"
	"image/png"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// Run runs the suite against c, which must be safe for concurrent use.
func Run(t *testing.T, c companionuc.CardCodec) {
	t.Run("DecodeV1JSON", func(t *testing.T) {
		t.Parallel()
		card := decode(t, c, []byte(CardV1))
		assert.Equal(t, companionuc.CardV1, card.Spec)
		assert.Equal(t, "Mira", card.Name)
		assert.Equal(t, "{{char}} keeps the lighthouse & the log.", card.Description)
		assert.Equal(t, "*Mira squints.* Another one from the sea?", card.FirstMessage)
		assert.Equal(t, "<START>\n{{user}}: Hello?\n{{char}}: Dry first. Talk later.", card.ExampleDialogue)
		AssertJSONEqual(t, []byte(`{"avatar":"none","talkativeness":"0.5"}`), mustJSON(t, card.Extra), "unknown V1 keys go to Extra")
		assert.Empty(t, card.Top)
	})

	t.Run("DecodeV2JSON", func(t *testing.T) {
		t.Parallel()
		card := decode(t, c, []byte(CardV2))
		assert.Equal(t, companionuc.CardV2, card.Spec)
		checkV2(t, card)
		assert.Nil(t, card.Image, "a JSON card has no picture")
	})

	t.Run("DecodeV3JSON", func(t *testing.T) {
		t.Parallel()
		card := decode(t, c, []byte(CardV3))
		assert.Equal(t, companionuc.CardV3, card.Spec)
		assert.Equal(t, "雪 Yuki", card.Name)
		data := field(t, []byte(CardV3), "data")
		for _, k := range []string{"nickname", "creator_notes_multilingual", "source", "group_only_greetings", "creation_date", "modification_date", "assets", "creator", "character_version"} {
			want := field(t, data, k)
			if _, ok := card.Extra[k]; !ok && (string(want) == `""` || string(want) == `[]`) {
				continue // a required member left empty: every export writes it again, so it need not be carried
			}
			if assert.Contains(t, card.Extra, k) {
				AssertJSONEqual(t, want, card.Extra[k], "Extra[%s]", k)
			}
		}
		AssertJSONEqual(t, field(t, data, "character_book"), card.CharacterBook)
	})

	t.Run("DecodeSillyTavernV3", func(t *testing.T) {
		t.Parallel()
		card := decode(t, c, PNG(t, TEXt("chara", Base64(strings.Replace(CardSillyTavernV3, "chara_card_v3", "chara_card_v2", 1))), TEXt("ccv3", Base64(CardSillyTavernV3))))
		assert.Equal(t, companionuc.CardV3, card.Spec)
		assert.Equal(t, "Tavern Vex", card.Name)
		assert.NotEmpty(t, card.Warnings, "a V3 card lacking V3's required fields is read with a warning")
	})

	t.Run("DecodePNG", func(t *testing.T) {
		t.Parallel()
		for name, chunk := range map[string]Chunk{
			"chara":        TEXt("chara", Base64(CardV2)),
			"Chara":        TEXt("Chara", Base64(CardV2)),
			"unpadded":     TEXt("chara", strings.TrimRight(Base64(CardV2), "=")),
			"raw JSON":     TEXt("chara", CardV2),
			"iTXt":         ITXt("chara", Base64(CardV2)),
			"iTXt raw":     ITXt("ccv3", CardV2),
			"line-wrapped": TEXt("chara", wrap(Base64(CardV2), 76)),
		} {
			t.Run(name, func(t *testing.T) {
				file := PNG(t, chunk)
				card := decode(t, c, file)
				checkV2(t, card)
				assert.Equal(t, file, card.Image, "the PNG itself is the card's picture")
			})
		}
	})

	t.Run("PrefersCCV3", func(t *testing.T) {
		t.Parallel()
		v3 := strings.Replace(CardSillyTavernV3, "Tavern Vex", "From ccv3", 1)
		for name, order := range map[string][]Chunk{
			"chara first": {TEXt("chara", Base64(CardV2)), TEXt("ccv3", Base64(v3))},
			"ccv3 first":  {TEXt("ccv3", Base64(v3)), TEXt("chara", Base64(CardV2))},
		} {
			card := decode(t, c, PNG(t, order...))
			assert.Equal(t, "From ccv3", card.Name, name)
		}
	})

	t.Run("DecodeCHARX", func(t *testing.T) {
		t.Parallel()
		icon := Picture(t, 5, 5)
		file := ZIP(t, ZipFile{"card.json", []byte(CardV3)}, ZipFile{"assets/icon/images/main.png", icon})
		card := decode(t, c, file)
		assert.Equal(t, companionuc.CardV3, card.Spec)
		assert.Equal(t, "雪 Yuki", card.Name)
		assert.Equal(t, icon, card.Image, "the main icon is the card's picture")
	})

	t.Run("RoundTripJSON", func(t *testing.T) {
		t.Parallel()
		for _, in := range []struct {
			name string
			doc  string
			spec companionuc.CardSpec
		}{{"V2", CardV2, companionuc.CardV2}, {"V3", CardV3, companionuc.CardV3}} {
			card := decode(t, c, []byte(in.doc))
			out, err := c.Encode(t.Context(), card, in.spec, companionuc.CardJSON, nil)
			require.NoError(t, err, in.name)
			AssertJSONEqual(t, []byte(in.doc), out, "%s: import then export in the same spec gives the card back", in.name)
		}
	})

	t.Run("PreservesUnknownEverywhere", func(t *testing.T) { t.Parallel(); preservesUnknown(t, c) })

	t.Run("PNGCarriesBothChunks", func(t *testing.T) {
		t.Parallel()
		card := decode(t, c, []byte(CardV2))
		for _, spec := range []companionuc.CardSpec{companionuc.CardV2, companionuc.CardV3} {
			out, err := c.Encode(t.Context(), card, spec, companionuc.CardPNG, nil)
			require.NoError(t, err)
			_, err = png.Decode(bytes.NewReader(out))
			require.NoError(t, err, "a PNG export without a picture still is a valid picture")
			texts := TextChunks(t, out)
			require.Len(t, texts["chara"], 1, "exactly one chara chunk")
			require.Len(t, texts["ccv3"], 1, "exactly one ccv3 chunk")
			assert.Equal(t, "chara_card_v2", specOf(t, texts["chara"][0]))
			assert.Equal(t, "chara_card_v3", specOf(t, texts["ccv3"][0]))
			back := decode(t, c, out)
			assert.Equal(t, companionuc.CardV3, back.Spec, "readers prefer ccv3")
			checkV2(t, back)
		}
	})

	t.Run("PNGExportUsesPicture", func(t *testing.T) {
		t.Parallel()
		card := decode(t, c, []byte(CardV3))
		// A JPEG, and a PNG that already carries someone else's card: both come out as a PNG of
		// the same size carrying exactly our card.
		for _, pic := range []struct {
			name string
			data []byte
			w, h int
		}{
			{"jpeg", JPEG(t, 7, 5), 7, 5},
			{"png with a card", PNG(t, TEXt("chara", Base64(CardV1)), TEXt("ccv3", Base64(CardSillyTavernV3))), 4, 3},
		} {
			out, err := c.Encode(t.Context(), card, companionuc.CardV3, companionuc.CardPNG, pic.data)
			require.NoError(t, err, pic.name)
			cfg, err := png.DecodeConfig(bytes.NewReader(out))
			require.NoError(t, err, pic.name)
			assert.Equal(t, [2]int{pic.w, pic.h}, [2]int{cfg.Width, cfg.Height}, pic.name)
			texts := TextChunks(t, out)
			assert.Len(t, texts["chara"], 1, pic.name)
			assert.Len(t, texts["ccv3"], 1, pic.name)
			assert.Equal(t, "雪 Yuki", decode(t, c, out).Name, pic.name)
		}
	})

	t.Run("V3ExportFillsRequiredFields", func(t *testing.T) {
		t.Parallel()
		card := decode(t, c, []byte(CardV1))
		v3, err := c.Encode(t.Context(), card, companionuc.CardV3, companionuc.CardJSON, nil)
		require.NoError(t, err)
		data := field(t, v3, "data")
		AssertJSONEqual(t, []byte(`[]`), field(t, data, "group_only_greetings"))
		AssertJSONEqual(t, []byte(`{}`), field(t, data, "extensions"), "extensions default to {}")
		v2, err := c.Encode(t.Context(), card, companionuc.CardV2, companionuc.CardJSON, nil)
		require.NoError(t, err)
		assert.NotContains(t, ParseJSON(t, field(t, v2, "data")), "group_only_greetings", "V2 gets no V3 fields")
	})

	t.Run("BrokenInputIsInvalid", func(t *testing.T) { t.Parallel(); brokenInput(t, c) })

	t.Run("EncodeRefusesWhatItCannotWrite", func(t *testing.T) {
		t.Parallel()
		card := decode(t, c, []byte(CardV2))
		for _, x := range []struct {
			spec   companionuc.CardSpec
			format companionuc.CardFormat
		}{{companionuc.CardV1, companionuc.CardJSON}, {companionuc.CardV2, companionuc.CardCHARX}, {"v9", companionuc.CardPNG}} {
			_, err := c.Encode(t.Context(), card, x.spec, x.format, nil)
			assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "%s/%s: %v", x.spec, x.format, err)
		}
	})
}

// checkV2 checks a decoded CardV2.
func checkV2(t *testing.T, card companionuc.Card) {
	t.Helper()
	assert.Equal(t, "Vex", card.Name)
	assert.Equal(t, "Captain of the <Marrow>.", card.Description)
	assert.Equal(t, "bold", card.Personality)
	assert.Equal(t, "Deep space.", card.Scenario)
	assert.Equal(t, "Welcome aboard.", card.FirstMessage)
	assert.Equal(t, "<START>\n{{char}}: Stow it.", card.ExampleDialogue)
	assert.Equal(t, "Notes for humans.", card.CreatorNotes)
	assert.Equal(t, "{{original}} Stay sharp.", card.SystemPrompt)
	assert.Equal(t, "[Be terse.]", card.PostHistoryInstructions)
	assert.Equal(t, []string{"You again?", "Ship's yours — for now."}, card.AlternateGreetings)
	assert.Equal(t, []string{"pirate", "space"}, card.Tags)
	data := field(t, []byte(CardV2), "data")
	AssertJSONEqual(t, field(t, data, "character_book"), card.CharacterBook, "character_book verbatim")
	AssertJSONEqual(t, field(t, data, "extensions"), card.Extensions, "extensions verbatim")
	for _, k := range []string{"creator", "character_version", "x_data_key"} {
		if assert.Contains(t, card.Extra, k) {
			AssertJSONEqual(t, field(t, data, k), card.Extra[k], "Extra[%s]", k)
		}
	}
	if assert.Contains(t, card.Top, "x_top_level") {
		AssertJSONEqual(t, []byte(`{"kept": [1, 2.50, null]}`), card.Top["x_top_level"])
	}
}

func decode(t *testing.T, c companionuc.CardCodec, data []byte) companionuc.Card {
	t.Helper()
	card, err := c.Decode(t.Context(), data)
	require.NoError(t, err)
	return card
}

// field returns obj[key] of a JSON object, failing the test if it is absent.
func field(t testing.TB, obj []byte, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(obj, &m))
	require.Contains(t, m, key)
	return m[key]
}

func specOf(t *testing.T, b64 string) string {
	t.Helper()
	var doc struct{ Spec string }
	require.NoError(t, json.Unmarshal(fromBase64(t, b64), &doc))
	return doc.Spec
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// wrap breaks s into lines of n characters, as MIME base64 writers do.
func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\r\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}
