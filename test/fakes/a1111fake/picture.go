package a1111fake

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strconv"
)

// draw paints the fake's render: a top-to-bottom gradient between two colours drawn from a hash
// of the prompt and the seed, so the same request gives the same picture and another seed another.
func draw(width, height int, prompt string, seed int64) *image.NRGBA {
	h := fnv.New64a()
	h.Write([]byte(prompt))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(seed, 10)))
	sum := h.Sum64()
	from := color.NRGBA{R: byte(sum), G: byte(sum >> 8), B: byte(sum >> 16), A: 0xff}
	to := color.NRGBA{R: byte(sum >> 24), G: byte(sum >> 32), B: byte(sum >> 40), A: 0xff}
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		c := mix(from, to, y, height)
		row := img.Pix[y*img.Stride : y*img.Stride+4*width]
		for x := 0; x < len(row); x += 4 {
			row[x], row[x+1], row[x+2], row[x+3] = c.R, c.G, c.B, c.A
		}
	}
	return img
}

// mix is the colour i/n of the way from a to b.
func mix(a, b color.NRGBA, i, n int) color.NRGBA {
	lerp := func(p, q byte) byte { return byte((int(p)*(n-i) + int(q)*i) / n) }
	return color.NRGBA{R: lerp(a.R, b.R), G: lerp(a.G, b.G), B: lerp(a.B, b.B), A: 0xff}
}

// encode writes img in format, with the parameters text in a PNG's text chunk as the web UI
// writes it (its JPEG and WebP carry them in EXIF, which the fake leaves out).
func encode(img *image.NRGBA, format Format, parameters string) ([]byte, error) {
	var buf bytes.Buffer
	switch format {
	case PNG:
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, img); err != nil {
			return nil, err
		}
		return withText(buf.Bytes(), "parameters", parameters), nil
	case JPEG:
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case WebP:
		b := img.Bounds()
		return webp(b.Dx(), b.Dy(), img.NRGBAAt(0, b.Dy()/2)), nil
	}
	return nil, fmt.Errorf("invalid image format %q", format)
}

// withText inserts an iTXt chunk (UTF-8 text, as PIL writes text that is not Latin-1) after the
// IHDR chunk of a PNG.
func withText(data []byte, key, text string) []byte {
	const ihdrEnd = 8 + 4 + 4 + 13 + 4            // signature, then IHDR's length, type, data and CRC
	payload := append([]byte(key), 0, 0, 0, 0, 0) // no compression, no language, no translated key
	payload = append(payload, text...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	chunk = append(chunk, "iTXt"...)
	chunk = append(chunk, payload...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := append([]byte{}, data[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, data[ihdrEnd:]...)
}

// No Go library encodes WebP, so the fake writes the smallest lossless (VP8L) file that is one: a
// picture of a single colour, every channel a "simple" prefix code of one symbol, which takes no
// bits per pixel. Format: https://developers.google.com/speed/webp/docs/webp_lossless_bitstream_specification

// webp returns a lossless WebP of a width×height picture of colour c (1 ≤ width, height ≤ 16384).
func webp(width, height int, c color.NRGBA) []byte {
	var bits bitWriter
	bits.write(0x2f, 8) // VP8L signature
	bits.write(uint32(width-1), 14)
	bits.write(uint32(height-1), 14)
	bits.write(0, 1) // no alpha
	bits.write(0, 3) // version 0
	bits.write(0, 1) // no transform
	bits.write(0, 1) // no colour cache
	bits.write(0, 1) // no meta prefix codes
	// Green, red, blue and alpha: a simple code with one 8-bit symbol each.
	for _, v := range []byte{c.G, c.R, c.B, c.A} {
		bits.write(1, 1) // simple code
		bits.write(0, 1) // one symbol
		bits.write(1, 1) // eight bits wide
		bits.write(uint32(v), 8)
	}
	bits.write(1, 1) // distance: simple code, one one-bit symbol, 0 (never used)
	bits.write(0, 1)
	bits.write(0, 1)
	bits.write(0, 1)
	vp8l := bits.bytes()

	body := append([]byte("WEBP"), "VP8L"...)
	body = binary.LittleEndian.AppendUint32(body, uint32(len(vp8l)))
	body = append(body, vp8l...)
	if len(vp8l)%2 == 1 {
		body = append(body, 0)
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

// bitWriter writes VP8L's least-significant-bit-first bit stream.
type bitWriter struct {
	buf  []byte
	acc  uint64
	nAcc uint
}

func (w *bitWriter) write(v uint32, n uint) {
	w.acc |= uint64(v) << w.nAcc
	w.nAcc += n
	for w.nAcc >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nAcc -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nAcc > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nAcc = 0, 0
	}
	return w.buf
}
