package charcard

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	ct "github.com/companionhub/companionhub/test/contract/cardcodectest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

func walk(data []byte) ([]string, error) {
	r, err := newChunkReader(data)
	if err != nil {
		return nil, err
	}
	var types []string
	for {
		c, err := r.next()
		if err == io.EOF {
			return types, nil
		}
		if err != nil {
			return types, err
		}
		types = append(types, c.typ)
	}
}

func TestChunkReaderWalksToIEND(t *testing.T) {
	file := ct.PNG(t, ct.TEXt("chara", "x"))
	types, err := walk(append(bytes.Clone(file), "trailing bytes after IEND are not the picture's"...))
	require.NoError(t, err)
	assert.Equal(t, []string{"IHDR", "IDAT", "tEXt", "IEND"}, types)

	r, _ := newChunkReader(file)
	for {
		if _, err := r.next(); err != nil {
			break
		}
	}
	_, err = r.next()
	assert.Equal(t, io.EOF, err, "EOF stays EOF")
}

func TestChunkReaderRefusesMalformedFiles(t *testing.T) {
	file := ct.PNG(t)
	withLength := func(n uint32) []byte { // the IHDR's length field
		b := bytes.Clone(file)
		binary.BigEndian.PutUint32(b[8:], n)
		return b
	}
	badType := bytes.Clone(file)
	copy(badType[12:], "IH\x00R")
	tooMany := bytes.Clone(file[:len(file)-12])
	for range maxChunks {
		tooMany = ct.AppendChunk(tooMany, ct.Chunk{Type: "teSt"})
	}
	tooMany = append(tooMany, file[len(file)-12:]...)

	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"signature only":          {file[:8], "ends before its final IEND"},
		"cut in a chunk header":   {file[:14], "in the middle of a chunk"},
		"cut in a chunk's data":   {file[:len(file)-20], "claims"},
		"no IEND":                 {file[:len(file)-12], "ends before its final IEND"},
		"length beyond the input": {withLength(1 << 30), "claims 1073741824 bytes"},
		"length beyond 2³¹−1":     {withLength(0xffff_fff0), "cut short or damaged"},
		"type not letters":        {badType, "no valid type"},
		"too many chunks":         {tooMany, "more than 65536 chunks"},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := newChunkReader(tc.data)
			require.NoError(t, err)
			var first error
			for {
				if _, first = r.next(); first != nil {
					break
				}
			}
			requireInvalid(t, first, ReasonInvalidCard, tc.want)
			_, again := r.next()
			assert.Same(t, first, again, "a failed reader stays failed")
		})
	}
}

func TestDecodePNGVariants(t *testing.T) {
	v2 := readTestdata(t, "v2.json")
	b64 := ct.Base64(string(v2))
	itxtCompressed := append([]byte("chara\x00\x01\x00en\x00\x00"), zlibOf(t, b64)...)
	ztxt := append([]byte("ccv3\x00\x00"), zlibOf(t, string(v2))...)
	for name, chunk := range map[string]ct.Chunk{
		"tEXt chara":              ct.TEXt("chara", b64),
		"keyword Chara":           ct.TEXt("Chara", b64),
		"keyword CHARA":           ct.TEXt("CHARA", b64),
		"keyword CCv3":            ct.TEXt("CCv3", b64),
		"unpadded":                ct.TEXt("chara", strings.TrimRight(b64, "=")),
		"spaces and line breaks":  ct.TEXt("chara", " \n"+b64[:100]+"\r\n"+b64[100:]+"\n\t"),
		"raw JSON":                ct.TEXt("chara", string(v2)),
		"raw JSON with BOM":       ct.TEXt("chara", "\ufeff"+string(v2)),
		"base64 of JSON with BOM": ct.TEXt("chara", ct.Base64("\ufeff"+string(v2))),
		"iTXt":                    ct.ITXt("chara", b64),
		"iTXt raw JSON":           ct.ITXt("ccv3", string(v2)),
		"iTXt compressed":         {Type: "iTXt", Data: itxtCompressed},
		"zTXt":                    {Type: "zTXt", Data: ztxt},
	} {
		t.Run(name, func(t *testing.T) {
			card := mustDecode(t, ct.PNG(t, ct.TEXt("Software", "an unrelated text chunk"), chunk))
			assert.Equal(t, "Captain Vex", card.Name)
			assert.Equal(t, companionuc.CardV2, card.Spec)
			assert.Empty(t, card.Warnings)
		})
	}
}

func TestDecodePNGPrefersCCV3(t *testing.T) {
	chara := ct.TEXt("chara", ct.Base64(string(readTestdata(t, "v2.json"))))
	ccv3 := ct.TEXt("ccv3", ct.Base64(string(readTestdata(t, "v3_sillytavern.json"))))
	for name, chunks := range map[string][]ct.Chunk{"chara, ccv3": {chara, ccv3}, "ccv3, chara": {ccv3, chara}} {
		card := mustDecode(t, ct.PNG(t, chunks...))
		assert.Equal(t, "Captain Vex (from ccv3)", card.Name, name)
		assert.Equal(t, companionuc.CardV3, card.Spec, name)
	}
	card := mustDecode(t, ct.PNG(t, chara))
	assert.Equal(t, "Captain Vex", card.Name, "chara alone")

	// Two ccv3 chunks: the first one counts, as in SillyTavern.
	second := ct.TEXt("ccv3", ct.Base64(strings.Replace(string(readTestdata(t, "v3.json")), "Yuki Amane", "Second", 1)))
	assert.Equal(t, "Captain Vex (from ccv3)", mustDecode(t, ct.PNG(t, ccv3, second)).Name)
}

func TestDecodePNGFallsBackToCharaWhenCCV3IsBroken(t *testing.T) {
	card := mustDecode(t, ct.PNG(t, ct.TEXt("ccv3", "%%%"), ct.TEXt("chara", ct.Base64(string(readTestdata(t, "v2.json"))))))
	assert.Equal(t, "Captain Vex", card.Name)
	require.Len(t, card.Warnings, 1)
	assert.Contains(t, card.Warnings[0], "ccv3 chunk could not be read")

	_, err := New().Decode(t.Context(), ct.PNG(t, ct.TEXt("ccv3", "%%%"), ct.TEXt("chara", "{")))
	requireInvalid(t, err, ReasonInvalidCard, "ccv3 chunk holds neither base64 nor JSON")
}

func TestDecodePNGChecksums(t *testing.T) {
	file := ct.PNG(t, ct.TEXt("chara", ct.Base64(string(readTestdata(t, "v2.json")))))
	// A damaged card chunk is refused: its text could be silently wrong.
	badCard := bytes.Clone(file)
	badCard[len(badCard)-12-1]++ // last CRC byte of the tEXt chunk, just before IEND
	_, err := New().Decode(t.Context(), badCard)
	requireInvalid(t, err, ReasonInvalidCard, "chara chunk is damaged: its checksum does not match")

	// A damaged picture is not the card's problem: read it, and say so.
	badPicture := bytes.Clone(file)
	badPicture[8+8+13]++ // first CRC byte of IHDR
	card := mustDecode(t, badPicture)
	assert.Equal(t, "Captain Vex", card.Name)
	require.Len(t, card.Warnings, 1)
	assert.Contains(t, card.Warnings[0], "picture in this PNG is damaged")
}

func TestDecodePNGRefusesBrokenCardChunks(t *testing.T) {
	big := ct.Chunk{Type: "tEXt", Data: append([]byte("chara\x00"), bytes.Repeat([]byte("A"), maxTextChunk)...)}
	for name, tc := range map[string]struct {
		chunk ct.Chunk
		want  string
	}{
		"no card chunk":           {ct.TEXt("Comment", "hello"), "this PNG carries no character card"},
		"keyword without NUL":     {ct.Chunk{Type: "tEXt", Data: []byte("chara")}, "carries no character card"},
		"empty":                   {ct.TEXt("chara", " \n"), "chara chunk is empty"},
		"bad base64":              {ct.TEXt("chara", "eyJuYW1lIjoi!!"), "neither base64 nor JSON"},
		"base64 of words":         {ct.TEXt("chara", ct.Base64("hello there")), "card's text is not JSON"},
		"base64 of a JSON list":   {ct.TEXt("chara", ct.Base64(`[{"name":"x"}]`)), "is a list"},
		"oversized":               {big, "larger than 5 MiB"},
		"zTXt bomb":               {ct.Chunk{Type: "zTXt", Data: append([]byte("chara\x00\x00"), zlibZeros(64<<20)...)}, "expands to more than 5 MiB"},
		"iTXt bomb":               {ct.Chunk{Type: "iTXt", Data: append([]byte("ccv3\x00\x01\x00\x00\x00"), zlibZeros(64<<20)...)}, "expands to more than 5 MiB"},
		"zTXt unknown method":     {ct.Chunk{Type: "zTXt", Data: []byte("chara\x00\x07xx")}, "unknown compression method"},
		"zTXt broken stream":      {ct.Chunk{Type: "zTXt", Data: []byte("chara\x00\x00\x78\x01garbage")}, "compressed text cannot be read"},
		"iTXt header cut":         {ct.Chunk{Type: "iTXt", Data: []byte("chara\x00\x00\x00en")}, "header is incomplete"},
		"not UTF-8":               {ct.TEXt("chara", `{"name": "Caf`+"\xe9"+`"}`), "not valid UTF-8"},
		"JSON cut short (base64)": {ct.TEXt("chara", ct.Base64(`{"name": "Vex", "description": `)), "malformed near byte"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New().Decode(t.Context(), ct.PNG(t, tc.chunk))
			requireInvalid(t, err, ReasonInvalidCard, tc.want)
		})
	}
}

func zlibOf(t testing.TB, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	_, err := zw.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return b.Bytes()
}
