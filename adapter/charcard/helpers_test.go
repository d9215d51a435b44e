package charcard

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// Tiny WebP pictures (1×1, lossy and lossless): x/image has a WebP decoder but no encoder.
const (
	webpLossyBase64    = "UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA"
	webpLosslessBase64 = "UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="
)

func webpLossy(t testing.TB) []byte    { return fromBase64(t, webpLossyBase64) }
func webpLossless(t testing.TB) []byte { return fromBase64(t, webpLosslessBase64) }

func fromBase64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	require.NoError(t, err)
	return b
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// readTestdata returns a file of testdata/.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func mustDecode(t testing.TB, data []byte) companionuc.Card {
	t.Helper()
	card, err := New().Decode(t.Context(), data)
	require.NoError(t, err)
	return card
}

func mustEncode(t testing.TB, c companionuc.Card, spec companionuc.CardSpec, format companionuc.CardFormat, image []byte) []byte {
	t.Helper()
	out, err := New().Encode(t.Context(), c, spec, format, image)
	require.NoError(t, err)
	return out
}

// requireInvalid checks that err is KindInvalid with reason and a message containing want.
func requireInvalid(t testing.TB, err error, reason, want string) {
	t.Helper()
	e := domain.AsError(err)
	require.NotNil(t, e, "want a *domain.Error, got %v", err)
	assert.Equal(t, domain.KindInvalid, e.Kind, "%v", err)
	assert.Equal(t, reason, e.Reason, "%v", err)
	assert.Contains(t, e.Message, want)
}

// deflateZeros returns a raw DEFLATE stream of n zero bytes (n ≥ 1), built by hand because
// compress/flate needs seconds under the race detector to compress tens of megabytes: one fixed-
// Huffman block holding a literal 0 and then matches of length 258 at distance 1, 13 bits each —
// a bomb of about 1:1300.
func deflateZeros(n int) []byte {
	var w bitWriter
	w.bits(1, 1) // BFINAL
	w.bits(1, 2) // BTYPE 01: fixed Huffman codes
	const literal0, length258, distance1 = 0b00110000, 0b11000101, 0
	w.code(literal0, 8)
	left := n - 1
	for ; left >= 258; left -= 258 {
		w.code(length258, 8) // length code 285, no extra bits
		w.code(distance1, 5)
	}
	for ; left > 0; left-- {
		w.code(literal0, 8)
	}
	w.code(0, 7) // end of block
	return w.flush()
}

// zlibZeros wraps deflateZeros(n) in a zlib stream. The Adler-32 of n zeros is a=1, b=n mod 65521.
func zlibZeros(n int) []byte {
	out := append([]byte{0x78, 0x01}, deflateZeros(n)...)
	return binary.BigEndian.AppendUint32(out, uint32(n%65521)<<16|1)
}

// bitWriter packs DEFLATE's bit stream: values least significant bit first, Huffman codes most
// significant bit first (RFC 1951 §3.1.1).
type bitWriter struct {
	out  []byte
	acc  uint32
	nacc uint
}

func (w *bitWriter) bits(v uint32, n uint) {
	w.acc |= v << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *bitWriter) code(c uint32, n uint) {
	var rev uint32
	for i := range n {
		rev |= (c >> i & 1) << (n - 1 - i)
	}
	w.bits(rev, n)
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc))
	}
	return w.out
}

// rawEntry is a ZIP entry written with CreateRaw: the header says what the test wants it to say,
// whatever the data is.
type rawEntry struct {
	name     string
	method   uint16
	flags    uint16
	declared uint64 // uncompressed size in the headers
	data     []byte // as stored (already compressed for zip.Deflate)
}

// rawZip builds an archive of raw entries.
func rawZip(t testing.TB, entries ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: e.name, Method: e.method, Flags: e.flags,
			CompressedSize64: uint64(len(e.data)), UncompressedSize64: e.declared,
		})
		require.NoError(t, err)
		_, err = w.Write(e.data)
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// TestDeflateZeros checks the bomb builder itself: a bomb test passes just as well on a stream
// that is merely broken, so the streams must be known good.
func TestDeflateZeros(t *testing.T) {
	for _, n := range []int{1, 2, 257, 258, 259, 1000, 1<<20 + 7} {
		got, err := io.ReadAll(flate.NewReader(bytes.NewReader(deflateZeros(n))))
		require.NoError(t, err, n)
		require.Equal(t, make([]byte, n), got, n)
		zr, err := zlib.NewReader(bytes.NewReader(zlibZeros(n)))
		require.NoError(t, err, n)
		got, err = io.ReadAll(zr)
		require.NoError(t, err, "zlib %d (Adler-32 included)", n)
		require.Len(t, got, n)
	}
}
