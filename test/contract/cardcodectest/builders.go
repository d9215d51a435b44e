package cardcodectest

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The builders below make test inputs independently of any implementation, so a suite run proves
// an implementation reads what other tools write, not merely what it writes itself.

// AssertJSONEqual compares two JSON documents semantically: same keys and values, whatever the key
// order and whitespace. Numbers compare by their text (json.Number), so 2.50 ≠ 2.5 and a 64-bit
// integer that went through a float64 shows up as a difference.
func AssertJSONEqual(t testing.TB, want, got []byte, msgAndArgs ...any) bool {
	t.Helper()
	return assert.Equal(t, ParseJSON(t, want), ParseJSON(t, got), msgAndArgs...)
}

// ParseJSON decodes a JSON document into maps, slices and json.Numbers; the test fails if doc is
// not JSON.
func ParseJSON(t testing.TB, doc []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v), "not JSON: %.200s", doc)
	require.False(t, dec.More(), "trailing data after the JSON document")
	return v
}

// Chunk is a PNG chunk.
type Chunk struct {
	Type string
	Data []byte
}

// Base64 is standard padded base64, what SillyTavern writes.
func Base64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TEXt is a tEXt chunk.
func TEXt(keyword, text string) Chunk {
	return Chunk{Type: "tEXt", Data: []byte(keyword + "\x00" + text)}
}

// ITXt is an uncompressed iTXt chunk with empty language tag and translated keyword.
func ITXt(keyword, text string) Chunk {
	return Chunk{Type: "iTXt", Data: []byte(keyword + "\x00\x00\x00\x00\x00" + text)}
}

// Picture returns a small opaque w×h PNG with a gradient, so pixels can be checked after a
// re-encode.
func Picture(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, gradient(w, h)))
	return buf.Bytes()
}

// JPEG returns a small w×h JPEG.
func JPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, gradient(w, h), nil))
	return buf.Bytes()
}

func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 255 / max(h-1, 1)), 0x80, 0xff})
		}
	}
	return img
}

// PNG returns Picture(t, 4, 3) with chunks inserted just before IEND.
func PNG(t testing.TB, chunks ...Chunk) []byte {
	t.Helper()
	return InsertChunks(t, Picture(t, 4, 3), chunks...)
}

// InsertChunks inserts chunks just before the IEND of file.
func InsertChunks(t testing.TB, file []byte, chunks ...Chunk) []byte {
	t.Helper()
	iend := len(file) - 12
	require.True(t, iend > 8 && string(file[iend+4:iend+8]) == "IEND", "the file does not end with IEND")
	out := bytes.Clone(file[:iend])
	for _, c := range chunks {
		out = AppendChunk(out, c)
	}
	return append(out, file[iend:]...)
}

// AppendChunk appends c with its length and CRC.
func AppendChunk(dst []byte, c Chunk) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(c.Data)))
	start := len(dst)
	dst = append(append(dst, c.Type...), c.Data...)
	return binary.BigEndian.AppendUint32(dst, crc32.ChecksumIEEE(dst[start:]))
}

// Chunks parses a PNG into its chunks, failing the test on a malformed file (bad length or CRC).
func Chunks(t testing.TB, file []byte) []Chunk {
	t.Helper()
	require.True(t, bytes.HasPrefix(file, []byte("\x89PNG\r\n\x1a\n")), "no PNG signature")
	var out []Chunk
	for rest := file[8:]; len(rest) > 0; {
		require.GreaterOrEqual(t, len(rest), 12, "truncated chunk")
		n := int(binary.BigEndian.Uint32(rest))
		require.LessOrEqual(t, n+12, len(rest), "chunk longer than the file")
		c := Chunk{Type: string(rest[4:8]), Data: rest[8 : 8+n]}
		require.Equal(t, crc32.ChecksumIEEE(rest[4:8+n]), binary.BigEndian.Uint32(rest[8+n:]), "CRC of %s", c.Type)
		out = append(out, c)
		rest = rest[12+n:]
	}
	return out
}

// TextChunks returns the tEXt chunks of a PNG by keyword, each keyword's texts in file order.
func TextChunks(t testing.TB, file []byte) map[string][]string {
	t.Helper()
	out := make(map[string][]string)
	for _, c := range Chunks(t, file) {
		if c.Type != "tEXt" {
			continue
		}
		kw, text, ok := bytes.Cut(c.Data, []byte{0})
		require.True(t, ok, "tEXt chunk without a keyword separator")
		out[string(kw)] = append(out[string(kw)], string(text))
	}
	return out
}

// ZipFile is an entry of an archive built by ZIP.
type ZipFile struct {
	Name string
	Data []byte
}

// ZIP builds a deflated ZIP archive of files, in order.
func ZIP(t testing.TB, files ...ZipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.Name)
		require.NoError(t, err)
		_, err = w.Write(f.Data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}
