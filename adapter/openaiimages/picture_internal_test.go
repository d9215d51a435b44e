package openaiimages

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCover: the crop keeps the wanted aspect ratio, as much of the picture as fits, centred.
func TestCover(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		b    image.Rectangle
		want image.Point
		gets image.Rectangle
	}{
		{image.Rect(0, 0, 1024, 1024), image.Pt(512, 512), image.Rect(0, 0, 1024, 1024)},
		{image.Rect(0, 0, 1024, 1024), image.Pt(512, 768), image.Rect(170, 0, 853, 1024)},
		{image.Rect(0, 0, 1792, 1024), image.Pt(768, 512), image.Rect(128, 0, 1664, 1024)},
		{image.Rect(0, 0, 1024, 1792), image.Pt(512, 768), image.Rect(0, 128, 1024, 1664)},
		{image.Rect(0, 0, 1024, 1536), image.Pt(512, 512), image.Rect(0, 256, 1024, 1280)},
		{image.Rect(0, 0, 1, 1), image.Pt(64, 2048), image.Rect(0, 0, 1, 1)},
	} {
		assert.Equal(t, tc.gets, cover(tc.b, tc.want), "%v for %v", tc.b, tc.want)
	}
}

// TestReadBounded: an answer past the bound is an unreadable answer, not an allocation.
func TestReadBounded(t *testing.T) {
	t.Parallel()
	data, err := readBounded(strings.NewReader("12345"), 5)
	require.NoError(t, err)
	assert.Equal(t, []byte("12345"), data)
	_, err = readBounded(strings.NewReader("123456"), 5)
	assert.ErrorIs(t, err, errBadResponse)
}

// TestFitRefusesHugeAnswers: the size is read from the header before any pixel is decoded.
func TestFitRefusesHugeAnswers(t *testing.T) {
	t.Parallel()
	// A PNG header claiming 5000×5000 pixels, with no pixels behind it.
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), 5000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 5000)
	ihdr = append(ihdr, 8, 2, 0, 0, 0) // 8-bit RGB
	header := binary.BigEndian.AppendUint32([]byte("\x89PNG\r\n\x1a\n"), uint32(len(ihdr)-4))
	header = binary.BigEndian.AppendUint32(append(header, ihdr...), crc32.ChecksumIEEE(ihdr))
	_, _, err := fit(header, image.Pt(512, 512))
	assert.ErrorIs(t, err, errBadResponse)
	assert.Contains(t, err.Error(), "5000x5000")
	_, _, err = fit(bytes.Repeat([]byte("x"), 64), image.Pt(512, 512))
	assert.True(t, errors.Is(err, errBadResponse), "%v", err)
}
