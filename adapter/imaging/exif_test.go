package imaging

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/test/contract/imageprocessortest"
)

// unhex decodes hex written with spaces for readability.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// exifJPEG returns SOI, an APP1 Exif segment around tiff, and the start of a frame.
func exifJPEG(tiff string) []byte {
	payload := append([]byte("Exif\x00\x00"), unhex(tiff)...)
	n := len(payload) + 2
	seg := append([]byte{0xff, 0xe1, byte(n >> 8), byte(n)}, payload...)
	return append(append([]byte{0xff, 0xd8}, seg...), 0xff, 0xda, 0x00, 0x02)
}

func TestJPEGOrientation(t *testing.T) {
	t.Parallel()
	picture := imageprocessortest.JPEG(imageprocessortest.Picture(8, 8))
	// Little-endian TIFF: header, IFD0 at 8 with one entry (tag 0x0112, SHORT, count 1, value).
	le := func(entry string) []byte { return exifJPEG("49492a00 08000000 0100 " + entry + " 00000000") }
	xmp := append([]byte{0xff, 0xe1, 0x00, 0x0e}, "http://ns\x00ab"...)
	for _, c := range []struct {
		name string
		data []byte
		want int
	}{
		{"no EXIF", picture, 1},
		{"big-endian 6", imageprocessortest.WithEXIF(picture, 6), 6},
		{"big-endian 8", imageprocessortest.WithEXIF(picture, 8), 8},
		{"big-endian, no orientation tag", imageprocessortest.WithEXIF(picture, 0), 1},
		{"little-endian 3", le("1201 0300 01000000 0300 0000"), 3},
		{"little-endian 5", le("1201 0300 01000000 0500 0000"), 5},
		{"other APP1 first", append(append([]byte{0xff, 0xd8}, xmp...), le("1201 0300 01000000 0700 0000")[2:]...), 7},
		{"fill bytes before a marker", append([]byte{0xff, 0xd8, 0xff}, le("1201 0300 01000000 0200 0000")[2:]...), 2},
		{"value 0", le("1201 0300 01000000 0000 0000"), 1},
		{"value 9", le("1201 0300 01000000 0900 0000"), 1},
		{"type LONG", le("1201 0400 01000000 0600 0000"), 1},
		{"count 2", le("1201 0300 02000000 0600 0600"), 1},
		{"entry truncated", exifJPEG("49492a00 08000000 0100 1201 0300 0100"), 1},
		{"entry count beyond the data", exifJPEG("49492a00 08000000 ffff 1201 0300 01000000 0600 0000"), 6},
		{"IFD offset beyond the data", exifJPEG("49492a00 ffffff7f 0100 1201 0300 01000000 0600 0000"), 1},
		{"IFD offset at the very end", exifJPEG("49492a00 0a000000 0100"), 1},
		{"bad byte order", exifJPEG("58582a00 08000000 0100 1201 0300 01000000 0600 0000 00000000"), 1},
		{"bad magic", exifJPEG("49492b00 08000000 0100 1201 0300 01000000 0600 0000 00000000"), 1},
		{"TIFF header truncated", exifJPEG("4949"), 1},
		{"segment longer than the data", []byte{0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 'E', 'x'}, 1},
		{"segment length below 2", []byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x01, 0xff, 0xd9}, 1},
		{"junk between segments", []byte{0xff, 0xd8, 0x00, 0xff, 0xe1}, 1},
		{"EXIF after the first scan is not looked at", append(append([]byte{0xff, 0xd8}, 0xff, 0xda, 0x00, 0x02), le("1201 0300 01000000 0600 0000")[2:]...), 1},
		{"not a JPEG", le("1201 0300 01000000 0600 0000")[1:], 1},
		{"empty", nil, 1},
	} {
		assert.Equal(t, c.want, jpegOrientation(c.data), c.name)
	}
}

// FuzzJPEGOrientation checks that the EXIF parser never panics and never returns a value outside
// 1–8, whatever the bytes.
func FuzzJPEGOrientation(f *testing.F) {
	picture := imageprocessortest.JPEG(imageprocessortest.Picture(8, 8))
	for o := range 9 {
		f.Add(imageprocessortest.WithEXIF(picture, o))
	}
	f.Add(exifJPEG("49492a00 08000000 0100 1201 0300 01000000 0600 0000 00000000"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := jpegOrientation(data); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
	})
}
