package imageprocessortest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// The samples the suite feeds an ImageProcessor, exported so implementations can seed fuzzers and
// benchmarks with the same inputs. All are generated: a binary fixture would hide what it holds.

// Secrets planted in the metadata of samples; none may survive processing.
const (
	// GPSSecret is the GPS map datum of WithEXIF's GPS directory.
	GPSSecret = "GPS-SECRET-DATUM-52N13E"
	// MetadataSecret is planted in XMP, ICC, comment and text chunks.
	MetadataSecret = "METADATA-SECRET-7f3a"
)

var (
	markerRed = color.NRGBA{R: 0xe0, G: 0x10, B: 0x10, A: 0xff}
	markerBG  = color.NRGBA{R: 0x10, G: 0x30, B: 0xd0, A: 0xff}
)

// inMarker reports whether (x, y) lies in the top-left quadrant of a w×h picture, the one every
// sample paints red so that orientation can be checked after a lossy re-encode.
func inMarker(x, y, w, h int) bool { return x < w/2 && y < h/2 }

// Picture returns an opaque w×h picture: a red top-left quadrant on a blue-green gradient.
func Picture(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		row := m.Pix[y*m.Stride:]
		for x := range w {
			c := color.NRGBA{R: markerBG.R, G: uint8(0x30 + 0x60*x/w), B: uint8(0xd0 - 0x40*y/h), A: 0xff}
			if inMarker(x, y, w, h) {
				c = markerRed
			}
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
	return m
}

// Translucent returns Picture(w, h) with its right half half-transparent and its bottom-right
// quadrant fully transparent.
func Translucent(w, h int) *image.NRGBA {
	m := Picture(w, h)
	for y := range h {
		for x := w / 2; x < w; x++ {
			c := m.NRGBAAt(x, y)
			c.A = 0x80
			if y >= h/2 {
				c.A = 0
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// JPEG encodes img as a baseline JPEG of quality 90.
func JPEG(img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err) // encoding into memory cannot fail
	}
	return b.Bytes()
}

// PNG encodes img as PNG.
func PNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// WebP returns a lossless WebP of a w×h picture with a red top-left quadrant on blue, the blue
// half-transparent if translucent. 1 ≤ w, h ≤ 16384.
func WebP(w, h int, translucent bool) []byte {
	return riff(riffChunk{"VP8L", webpPixels(w, h, translucent)})
}

func webpPixels(w, h int, translucent bool) []byte {
	bg := markerBG
	if translucent {
		bg.A = 0x80
	}
	return vp8l(w, h, markerRed, bg, func(x, y int) bool { return inMarker(x, y, w, h) })
}

// WithEXIF returns jpg with an EXIF APP1 segment inserted after SOI: IFD0 holds the orientation
// (1–8; 0 leaves the tag out) and a pointer to a GPS directory with a position and GPSSecret.
func WithEXIF(jpg []byte, orientation int) []byte {
	return insertJPEGSegments(jpg, jpegSegment(0xe1, append([]byte("Exif\x00\x00"), exifTIFF(binary.BigEndian, orientation)...)))
}

// byteOrder is what binary.BigEndian and binary.LittleEndian both are.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// exifTIFF builds a TIFF structure in byte order o: a header, IFD0 (orientation, GPS pointer)
// and a GPS IFD (latitude, its reference, a map datum) with the values it points to.
func exifTIFF(o byteOrder, orientation int) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		value    []byte // inline if ≤ 4 bytes, else stored after the directory
	}
	u16 := func(v uint16) []byte { return o.AppendUint16(nil, v) }
	u32 := func(v uint32) []byte { return o.AppendUint32(nil, v) }
	var ifd0 []entry
	if orientation != 0 {
		ifd0 = append(ifd0, entry{0x0112, 3, 1, u16(uint16(orientation))})
	}
	ifd0 = append(ifd0, entry{0x8825, 4, 1, nil}) // GPSInfo: offset of the GPS IFD, patched below
	lat := gpsLatitude(o)
	datum := append([]byte(GPSSecret), 0)
	gps := []entry{
		{0x0001, 2, 2, []byte("N\x00")},           // GPSLatitudeRef
		{0x0002, 5, 3, lat},                       // GPSLatitude: 52° 31' 12.34"
		{0x0012, 2, uint32(len(datum)), datum},    // GPSMapDatum
		{0x001d, 2, 11, []byte("2024:05:01\x00")}, // GPSDateStamp
	}
	// writeIFD appends a directory starting at offset len(t), its out-of-line values after it.
	writeIFD := func(t []byte, entries []entry) []byte {
		start := len(t)
		t = append(t, u16(uint16(len(entries)))...)
		data := start + 2 + 12*len(entries) + 4
		var values []byte
		for _, e := range entries {
			t = append(t, u16(e.tag)...)
			t = append(t, u16(e.typ)...)
			t = append(t, u32(e.count)...)
			if len(e.value) <= 4 {
				t = append(t, append(e.value, make([]byte, 4-len(e.value))...)...)
				continue
			}
			t = append(t, u32(uint32(data+len(values)))...)
			values = append(values, e.value...)
		}
		t = append(t, u32(0)...) // no next IFD
		return append(t, values...)
	}
	t := []byte("MM\x00\x2a")
	if o == binary.LittleEndian {
		t = []byte("II\x2a\x00")
	}
	t = append(t, u32(8)...)
	t = writeIFD(t, ifd0)
	gpsPointer := 8 + 2 + 12*(len(ifd0)-1) + 8 // the GPSInfo entry's value field
	o.PutUint32(t[gpsPointer:], uint32(len(t)))
	return writeIFD(t, gps)
}

// gpsLatitude is the GPSLatitude value WithEXIF plants: 52° 31' 12.34" as three rationals.
func gpsLatitude(o byteOrder) []byte {
	var b []byte
	for _, v := range []uint32{52, 1, 31, 1, 1234, 100} {
		b = o.AppendUint32(b, v)
	}
	return b
}

// jpegSegment returns a marker segment with its length field.
func jpegSegment(marker byte, payload []byte) []byte {
	s := []byte{0xff, marker}
	s = binary.BigEndian.AppendUint16(s, uint16(len(payload)+2))
	return append(s, payload...)
}

// insertJPEGSegments inserts segments right after SOI, where metadata segments live.
func insertJPEGSegments(jpg []byte, segments ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segments {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// pngChunk returns a PNG chunk with its length and CRC.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// insertPNGChunks inserts chunks right after IHDR (signature 8 bytes, IHDR 25).
func insertPNGChunks(p []byte, chunks ...[]byte) []byte {
	out := append([]byte{}, p[:33]...)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, p[33:]...)
}

// BombPNG returns a PNG whose IHDR — valid, with a correct CRC — claims w×h RGBA pixels, followed
// by an IDAT holding the start of a valid zlib stream of two zero rows and then nothing: a decoder
// that believes the header allocates 4·w·h bytes before it finds out there are no pixels.
func BombPNG(w, h int) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // 8 bits, RGBA, deflate, adaptive filtering, no interlace
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	// A flushed but unterminated stream: valid as far as it goes, then truncated.
	if _, err := zw.Write(make([]byte, 2*(1+4*w))); err != nil {
		panic(err)
	}
	if err := zw.Flush(); err != nil {
		panic(err)
	}
	p := append([]byte{}, pngMagic...)
	p = append(p, pngChunk("IHDR", ihdr)...)
	p = append(p, pngChunk("IDAT", z.Bytes())...)
	return append(p, pngChunk("IEND", nil)...)
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// withJPEGSize returns jpg with the size in its start-of-frame header replaced by w×h.
func withJPEGSize(jpg []byte, w, h int) []byte {
	out := append([]byte{}, jpg...)
	i := sofOffset(out) // baseline SOF: marker(2) length(2) precision(1) height(2) width(2)
	binary.BigEndian.PutUint16(out[i+5:], uint16(h))
	binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	return out
}

// sofOffset returns where the baseline start-of-frame segment of jpg begins, walking the marker
// segments (a byte search could hit 0xFF 0xC0 inside a quantisation table).
func sofOffset(jpg []byte) int {
	for i := 2; i+4 <= len(jpg); i += 2 + int(binary.BigEndian.Uint16(jpg[i+2:])) {
		if jpg[i+1] == 0xc0 {
			return i
		}
	}
	panic("no baseline SOF segment")
}

// Seeds returns small valid, metadata-laden and malicious inputs — one of every kind the suite
// uses — for seeding a fuzzer. They are kept to a few kilobytes: a fuzzer mutates and minimises
// every input it finds interesting, and on large pictures that takes minutes per input.
func Seeds() [][]byte {
	seeds := [][]byte{
		JPEG(Picture(16, 12)),
		WithEXIF(JPEG(Picture(16, 12)), 6),
		PNG(Picture(12, 8)),
		PNG(Translucent(12, 8)),
		WebP(12, 8, false),
		WebP(12, 8, true),
	}
	for _, c := range metadataCases() {
		seeds = append(seeds, c.data)
	}
	for _, c := range refusalCases() {
		if len(c.data) <= 4<<10 {
			seeds = append(seeds, c.data)
		}
	}
	return seeds
}
