package charcard

import (
	"archive/zip"
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ct "github.com/companionhub/companionhub/test/contract/cardcodectest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// charx builds a CHARX of the V3 test card (with uri as its main icon's URI) and its assets.
func charx(t *testing.T, uri string, extra ...ct.ZipFile) ([]byte, []byte) {
	t.Helper()
	doc := strings.Replace(string(readTestdata(t, "v3.json")), "embeded://assets/icon/images/main.png", uri, 1)
	icon := ct.Picture(t, 6, 4)
	files := append([]ct.ZipFile{
		{Name: "card.json", Data: []byte(doc)},
		{Name: "assets/icon/images/main.png", Data: icon},
		{Name: "assets/background/images/shrine.png", Data: ct.Picture(t, 8, 8)},
		{Name: "module.risum", Data: []byte("app-specific data at the root is allowed")},
	}, extra...)
	return ct.ZIP(t, files...), icon
}

func TestDecodeCHARX(t *testing.T) {
	file, icon := charx(t, "embeded://assets/icon/images/main.png")
	card := mustDecode(t, file)
	assert.Equal(t, companionuc.CardV3, card.Spec)
	assert.Equal(t, "Yuki Amane", card.Name)
	assert.Equal(t, icon, card.Image)
	assert.Empty(t, card.Warnings)
	// The archive is only a package: the card inside round-trips like a JSON one.
	ct.AssertJSONEqual(t, readTestdata(t, "v3.json"), mustEncode(t, card, companionuc.CardV3, companionuc.CardJSON, nil))
}

func TestCHARXIcon(t *testing.T) {
	v3 := string(readTestdata(t, "v3.json"))
	withAssets := func(assets string) ct.ZipFile {
		i := strings.Index(v3, `"assets": [`)
		j := strings.Index(v3[i:], "],") + i + 1
		return ct.ZipFile{Name: "card.json", Data: []byte(v3[:i] + `"assets": ` + assets + v3[j:])}
	}
	a, b := ct.Picture(t, 2, 2), ct.Picture(t, 3, 3)
	pics := []ct.ZipFile{{Name: "a.png", Data: a}, {Name: "b.png", Data: b}, {Name: "c.txt", Data: []byte("not a picture")}}
	for name, tc := range map[string]struct {
		assets  string
		want    []byte
		warning string
	}{
		"embedded:// spelling": {`[{"type":"icon","uri":"embedded://a.png","name":"main"}]`, a, ""},
		"main wins":            {`[{"type":"icon","uri":"embeded://a.png","name":"side"},{"type":"icon","uri":"embeded://b.png","name":"main"}]`, b, ""},
		"first icon otherwise": {`[{"type":"background","uri":"embeded://b.png"},{"type":"icon","uri":"embeded://a.png","name":"x"},{"type":"icon","uri":"embeded://b.png","name":"y"}]`, a, ""},
		"no icon":              {`[{"type":"background","uri":"embeded://b.png","name":"bg"}]`, nil, ""},
		"missing file":         {`[{"type":"icon","uri":"embeded://gone.png","name":"main"}]`, nil, `icon "gone.png" is missing`},
		"not a picture":        {`[{"type":"icon","uri":"embeded://c.txt","name":"main"}]`, nil, "not a JPEG, PNG or WebP"},
		"remote":               {`[{"type":"icon","uri":"https://example.org/a.png","name":"main"}]`, nil, "not stored in the archive"},
		"ccdefault":            {`[{"type":"icon","uri":"ccdefault:","name":"main"}]`, nil, "not stored in the archive"},
		"assets not a list":    {`{"icon":"a.png"}`, nil, "assets are not a list"},
		"malformed asset":      {`[42, {"type":"icon","uri":"embeded://a.png","name":"main"}]`, a, ""},
	} {
		t.Run(name, func(t *testing.T) {
			card := mustDecode(t, ct.ZIP(t, append([]ct.ZipFile{withAssets(tc.assets)}, pics...)...))
			assert.Equal(t, tc.want, card.Image)
			if tc.warning == "" {
				assert.Empty(t, card.Warnings)
			} else if assert.Len(t, card.Warnings, 1) {
				assert.Contains(t, card.Warnings[0], tc.warning)
			}
		})
	}

	// An icon over the picture cap is left out, whatever its archive entry claims.
	doc := withAssets(`[{"type":"icon","uri":"embeded://a.png","name":"main"}]`).Data
	card := mustDecode(t, rawZip(t,
		rawEntry{name: "card.json", method: zip.Store, declared: uint64(len(doc)), data: doc},
		rawEntry{name: "a.png", method: zip.Deflate, declared: maxIconBytes + 1, data: deflateZeros(maxIconBytes + 1)}))
	assert.Nil(t, card.Image)
	require.Len(t, card.Warnings, 1)
	assert.Contains(t, card.Warnings[0], "larger than 5 MiB")
}

func TestDecodeCHARXRefusesHostileArchives(t *testing.T) {
	card := readTestdata(t, "v3.json")
	ok := ct.ZipFile{Name: "card.json", Data: card}
	stored := func(name string, data []byte) rawEntry {
		return rawEntry{name: name, method: zip.Store, declared: uint64(len(data)), data: data}
	}
	many := []rawEntry{stored("card.json", card)} // stored, not deflated: 10001 compressors are slow
	for i := range maxZipEntries {
		many = append(many, stored("assets/other/"+strconv.Itoa(i), nil))
	}
	for name, tc := range map[string]struct {
		file []byte
		want string
	}{
		"no card.json":          {ct.ZIP(t, ct.ZipFile{Name: "readme.txt", Data: []byte("hi")}), "no card.json at its root"},
		"card.json in a folder": {ct.ZIP(t, ct.ZipFile{Name: "yuki/card.json", Data: card}), "no card.json at its root"},
		"empty archive":         {ct.ZIP(t), "no card.json at its root"},
		"../ path":              {ct.ZIP(t, ok, ct.ZipFile{Name: "../../etc/cron.d/x", Data: []byte("x")}), "points outside the archive"},
		"inner ../":             {ct.ZIP(t, ok, ct.ZipFile{Name: "assets/../../x", Data: []byte("x")}), "points outside the archive"},
		"absolute path":         {ct.ZIP(t, ok, ct.ZipFile{Name: "/etc/passwd", Data: []byte("x")}), "points outside the archive"},
		"backslashes":           {ct.ZIP(t, ok, ct.ZipFile{Name: `..\..\x`, Data: []byte("x")}), "uses backslashes"},
		"non-ASCII name":        {ct.ZIP(t, ok, ct.ZipFile{Name: "assets/雪.png", Data: []byte("x")}), "not plain ASCII"},
		"control character":     {ct.ZIP(t, ok, ct.ZipFile{Name: "a\x00b", Data: []byte("x")}), "not plain ASCII"},
		"duplicate card.json":   {ct.ZIP(t, ok, ct.ZipFile{Name: "card.json", Data: []byte(`{"name":"other"}`)}), `lists "card.json" twice`},
		"too many entries":      {rawZip(t, many...), "more than 10000 files"},
		"bomb, declared small": {rawZip(t, rawEntry{name: "card.json", method: zip.Deflate, declared: 100, data: deflateZeros(64 << 20)}),
			"damaged or larger than it claims"},
		"bomb, declared honestly": {rawZip(t, rawEntry{name: "card.json", method: zip.Deflate, declared: 64 << 20, data: deflateZeros(64 << 20)}),
			"card.json in the CHARX archive is larger than 5 MiB"},
		"assets declared huge": {rawZip(t, stored("card.json", card), rawEntry{name: "assets/x.mp4", method: zip.Store, declared: 1 << 40, data: []byte("x")}),
			"would expand to more than 256 MiB"},
		"sizes overflowing": {rawZip(t, stored("card.json", card), rawEntry{name: "a", method: zip.Store, declared: 1<<64 - 1}, rawEntry{name: "b", method: zip.Store, declared: 2}),
			"would expand to more than 256 MiB"},
		"encrypted card.json": {rawZip(t, rawEntry{name: "card.json", method: zip.Store, flags: 1, declared: uint64(len(card)), data: card}),
			"encrypted"},
		"unknown compression": {rawZip(t, rawEntry{name: "card.json", method: 99, declared: uint64(len(card)), data: card}),
			"compression method this hub cannot read"},
		"damaged card.json": {rawZip(t, rawEntry{name: "card.json", method: zip.Deflate, declared: 10, data: []byte("not deflate at all")}),
			"damaged"},
		"card.json not a card": {ct.ZIP(t, ct.ZipFile{Name: "card.json", Data: []byte(`{"hello":"world"}`)}), "not a character card"},
		"truncated archive":    {ct.ZIP(t, ok)[:40], "damaged and cannot be read"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New().Decode(t.Context(), tc.file)
			requireInvalid(t, err, ReasonInvalidCard, tc.want)
		})
	}
}

func TestDecodeCHARXInJPEG(t *testing.T) {
	cover := ct.JPEG(t, 3, 3)
	archive, icon := charx(t, "embeded://assets/icon/images/main.png")
	card := mustDecode(t, append(bytes.Clone(cover), archive...))
	assert.Equal(t, "Yuki Amane", card.Name)
	assert.Equal(t, icon, card.Image, "the main icon, as in any CHARX")

	noIcon := ct.ZIP(t, ct.ZipFile{Name: "card.json", Data: readTestdata(t, "v2.json")})
	file := append(bytes.Clone(cover), noIcon...)
	card = mustDecode(t, file)
	assert.Equal(t, "Captain Vex", card.Name)
	assert.Equal(t, file, card.Image, "without an icon, the JPEG itself")

	_, err := New().Decode(t.Context(), append(bytes.Clone(cover), ct.ZIP(t, ct.ZipFile{Name: "x.txt"})...))
	requireInvalid(t, err, ReasonInvalidCard, "no card.json")
	_, err = New().Decode(t.Context(), append(bytes.Clone(cover), "PK\x05\x06 not really a zip"...))
	requireInvalid(t, err, ReasonInvalidCard, "damaged")
}
