package charcard

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	ct "github.com/companionhub/companionhub/test/contract/cardcodectest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// seeds are the valid and broken inputs the fuzzers start from (and that plain go test runs).
func seeds(t testing.TB) [][]byte {
	v1, v2, v3 := readTestdata(t, "v1.json"), readTestdata(t, "v2.json"), readTestdata(t, "v3.json")
	st := readTestdata(t, "v3_sillytavern.json")
	card := ct.PNG(t, ct.TEXt("chara", ct.Base64(string(v2))), ct.TEXt("ccv3", ct.Base64(string(st))))
	small := []byte(`{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"N","tags":"a,b","group_only_greetings":[]}}`)
	return [][]byte{
		v1, v2, v3, st, small, []byte(ct.CardV2),
		card,
		ct.PNG(t, ct.TEXt("Chara", string(small))),
		ct.PNG(t, ct.ITXt("ccv3", ct.Base64(string(small)))),
		ct.PNG(t, ct.Chunk{Type: "zTXt", Data: append([]byte("chara\x00\x00"), zlibOf(t, string(small))...)}),
		ct.PNG(t, ct.TEXt("chara", "!!")),
		ct.PNG(t),
		card[:len(card)/2],
		ct.ZIP(t, ct.ZipFile{Name: "card.json", Data: v3}, ct.ZipFile{Name: "assets/icon/images/main.png", Data: ct.Picture(t, 2, 2)}),
		ct.ZIP(t, ct.ZipFile{Name: "../x", Data: []byte("x")}),
		append(ct.JPEG(t, 2, 2), ct.ZIP(t, ct.ZipFile{Name: "card.json", Data: small})...), // RisuAI's CHARX-JPEG
		rawZip(t, rawEntry{name: "card.json", method: zip.Deflate, declared: 64 << 20, data: deflateZeros(64 << 20)}),
		rawZip(t, rawEntry{name: "card.json", method: zip.Deflate, declared: 10, data: deflateZeros(64 << 20)}),
		ct.PNG(t, ct.Chunk{Type: "zTXt", Data: append([]byte("chara\x00\x00"), zlibZeros(64<<20)...)}),
		[]byte("\ufeff  {\"name\": null}"),
		[]byte(`[]`),
		nil,
	}
}

// allocBudget is what decoding data may allocate: a multiple of its size (JSON with many tiny
// keys costs a few dozen bytes of maps per byte of input) plus a constant covering the caps —
// never what the input claims or expands to.
func allocBudget(data []byte) uint64 { return 64*uint64(len(data)) + 64<<20 }

// decodeWithinBudget decodes data, failing t when that allocated more than allocBudget.
func decodeWithinBudget(t *testing.T, codec *Codec, data []byte) (companionuc.Card, error) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	card, err := codec.Decode(context.Background(), data)
	runtime.ReadMemStats(&after)
	require.LessOrEqual(t, after.TotalAlloc-before.TotalAlloc, allocBudget(data), "allocated bytes for a %d-byte input", len(data))
	return card, err
}

// FuzzDecode: Decode never panics, answers a Card or KindInvalid invalid_card, stays within its
// allocation budget, and what it reads, Encode writes and Decode reads back.
func FuzzDecode(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	codec := New()
	f.Fuzz(func(t *testing.T, data []byte) {
		card, err := decodeWithinBudget(t, codec, data)
		if err != nil {
			e := domain.AsError(err)
			require.NotNil(t, e, "%v", err)
			require.Equal(t, domain.KindInvalid, e.Kind, "%v", err)
			require.Equal(t, ReasonInvalidCard, e.Reason, "%v", err)
			require.NotEmpty(t, e.Message)
			require.LessOrEqual(t, len(e.Message), 400, "messages stay short, whatever the input")
			return
		}
		require.Contains(t, []companionuc.CardSpec{companionuc.CardV1, companionuc.CardV2, companionuc.CardV3}, card.Spec)
		for _, w := range card.Warnings {
			require.LessOrEqual(t, len(w), 600, "warnings stay short, whatever the input")
		}
		out, err := codec.Encode(context.Background(), card, companionuc.CardV3, companionuc.CardJSON, nil)
		if err != nil {
			requireInvalid(t, err, ReasonCardTooLarge, "") // the only refusal for a card Decode produced
			return
		}
		back, err := codec.Decode(context.Background(), out)
		require.NoError(t, err, "an export must import:\n%s", out)
		require.Equal(t, card.Name, back.Name)
		require.True(t, slices.Equal(card.Tags, back.Tags), "%q ≠ %q", card.Tags, back.Tags)
	})
}

// FuzzPNGChunks: the chunk walk never panics, never yields a chunk outside the input or more than
// maxChunks, and the card-chunk readers stay within their caps; withTextChunks accepts exactly the
// files the walk accepts and yields one that walks with only the inserted card chunk.
func FuzzPNGChunks(f *testing.F) {
	for _, s := range seeds(f) {
		if bytes.HasPrefix(s, pngSignature) {
			f.Add(s[len(pngSignature):])
		}
	}
	f.Fuzz(func(t *testing.T, rest []byte) {
		data := append(bytes.Clone(pngSignature), rest...) // the signature is never the interesting part
		r, err := newChunkReader(data)
		require.NoError(t, err)
		var walkErr error
		for n := 0; ; n++ {
			c, err := r.next()
			if err == io.EOF {
				break
			}
			if err != nil {
				requireInvalid(t, err, ReasonInvalidCard, "")
				walkErr = err
				break
			}
			require.Less(t, n, maxChunks)
			require.True(t, isChunkType([]byte(c.typ)))
			require.LessOrEqual(t, c.offset+12+len(c.data), len(data))
			kw, ok := cardKeyword(c)
			if !ok || len(c.data) > maxTextChunk {
				continue
			}
			text, err := chunkText(kw, c)
			if err != nil {
				requireInvalid(t, err, ReasonInvalidCard, "")
				continue
			}
			require.LessOrEqual(t, len(text), maxTextChunk)
			if payload, err := decodePayload(kw, text); err == nil {
				require.LessOrEqual(t, len(payload), len(text))
			} else {
				requireInvalid(t, err, ReasonInvalidCard, "")
			}
		}

		out, err := withTextChunks(data, textChunk{keyword: "chara", text: []byte("x")})
		if walkErr != nil {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		r, _ = newChunkReader(out)
		cards := 0
		for {
			c, err := r.next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "withTextChunks wrote a file that does not walk")
			if _, ok := cardKeyword(c); ok {
				cards++
				require.Equal(t, "chara\x00x", string(c.data))
			}
		}
		require.Equal(t, 1, cards)
	})
}

// TestDecodeAllocatesWithinCaps measures what bombs cost: each expands to 64 MiB if read without
// the caps, and must cost no more than a few times the 5 MiB cap (io.ReadAll grows its buffer by doubling; the race detector adds its share). It runs alone (no t.Parallel)
// so the allocation counter sees only this decode.
func TestDecodeAllocatesWithinCaps(t *testing.T) {
	v3 := readTestdata(t, "v3.json")
	bomb := deflateZeros(64 << 20)
	for name, data := range map[string][]byte{
		"zTXt":             ct.PNG(t, ct.Chunk{Type: "zTXt", Data: append([]byte("chara\x00\x00"), zlibZeros(64<<20)...)}),
		"iTXt":             ct.PNG(t, ct.Chunk{Type: "iTXt", Data: append([]byte("ccv3\x00\x01\x00\x00\x00"), zlibZeros(64<<20)...)}),
		"card.json honest": rawZip(t, rawEntry{name: "card.json", method: zip.Deflate, declared: 64 << 20, data: bomb}),
		"card.json lying":  rawZip(t, rawEntry{name: "card.json", method: zip.Deflate, declared: 1000, data: bomb}),
		"icon lying": rawZip(t, rawEntry{name: "card.json", method: zip.Store, declared: uint64(len(v3)), data: v3},
			rawEntry{name: "assets/icon/images/main.png", method: zip.Deflate, declared: 1000, data: bomb}),
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _ = New().Decode(t.Context(), data)
		runtime.ReadMemStats(&after)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(6*maxTextChunk+8*len(data)), name)
	}
}

// FuzzCHARX: a CHARX archive made of fuzzed parts — the card.json, an asset's name and bytes, the
// icon's URI — so that the fuzzer works inside a well-formed archive (random bytes seldom make
// one): the archive's reading, its paths and the icon's lookup never panic, stay within their
// allocation budget, and answer a card (whose picture, if any, is the asset's bytes) or an
// invalid_card refusal.
func FuzzCHARX(f *testing.F) {
	v3 := string(readTestdata(f, "v3.json"))
	for _, s := range []struct {
		card, name, uri string
		asset           []byte
	}{
		{v3, "assets/icon/images/main.png", "embeded://assets/icon/images/main.png", ct.Picture(f, 2, 2)},
		{`{"spec":"chara_card_v3","spec_version":"3.0","data":{"name":"N","assets":[{"type":"icon","uri":"URI","name":"main","ext":"png"}]}}`,
			"x.png", "embedded:///x.png", ct.JPEG(f, 2, 2)},
		{`{"spec":"chara_card_v3","data":{"name":"N","assets":"not a list"}}`, "../up.png", "embeded://../up.png", []byte("x")},
		{`{"name":"N","assets":[{"type":"icon","uri":"URI"}]}`, "card.json", "ccdefault:", nil},
		{`{"spec":"chara_card_v3","data":{"name":"N","assets":[{"type":"icon","uri":"URI"}]}}`, "a/é.png", "https://169.254.169.254/", []byte{0x89, 'P', 'N', 'G'}},
	} {
		f.Add(s.card, s.name, s.uri, s.asset)
	}
	codec := New()
	f.Fuzz(func(t *testing.T, cardJSON, name, uri string, asset []byte) {
		cardJSON = strings.ReplaceAll(cardJSON, "URI", uri)
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range []struct {
			name string
			data []byte
		}{{charxCard, []byte(cardJSON)}, {name, asset}} {
			w, err := zw.Create(e.name)
			if err != nil {
				t.Skip("not a name the archive writer takes")
			}
			_, err = w.Write(e.data)
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
		card, err := decodeWithinBudget(t, codec, buf.Bytes())
		if err != nil {
			requireInvalid(t, err, ReasonInvalidCard, "")
			return
		}
		if card.Image != nil {
			require.Equal(t, asset, card.Image, "a card's picture is the archive's own file, nothing else")
		}
	})
}
