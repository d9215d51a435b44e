package imageprocessortest

import (
	"encoding/binary"
	"image/color"
)

// No Go library at hand encodes WebP (x/image only decodes it), and a binary fixture would hide
// what it holds, so samples are written with this minimal lossless (VP8L) encoder. It handles
// pictures of two colours, which is enough for checking sizes, alpha and orientation: every
// channel then has at most two values, each coded as a "simple" prefix code of one or two symbols
// (one bit per pixel and channel, or none). No transforms, colour cache or backward references.
// Format: https://developers.google.com/speed/webp/docs/webp_lossless_bitstream_specification

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

// vp8l returns the VP8L bit stream of a w×h picture (1 ≤ w, h ≤ 16384) whose pixel (x, y) is fg
// where isFG(x, y) and bg elsewhere.
func vp8l(w, h int, fg, bg color.NRGBA, isFG func(x, y int) bool) []byte {
	var bw bitWriter
	writeVP8LHeader(&bw, w, h, fg.A != 0xff || bg.A != 0xff)
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes: one group of five codes for the whole picture

	// The five prefix codes, in the order green, red, blue, alpha, distance.
	channels := [4][2]uint8{{bg.G, fg.G}, {bg.R, fg.R}, {bg.B, fg.B}, {bg.A, fg.A}}
	for _, c := range channels {
		bw.write(1, 1) // simple code
		if c[0] == c[1] {
			bw.write(0, 1) // one symbol, coded in zero bits
			bw.write(1, 1) // as eight bits
			bw.write(uint32(c[0]), 8)
			continue
		}
		bw.write(1, 1) // two symbols: bg's value is code 0, fg's code 1
		bw.write(1, 1)
		bw.write(uint32(c[0]), 8)
		bw.write(uint32(c[1]), 8)
	}
	bw.write(1, 1) // distance: simple code, one symbol (never used), one bit wide: 0
	bw.write(0, 1)
	bw.write(0, 1)
	bw.write(0, 1)

	for y := range h {
		for x := range w {
			bit := uint32(0)
			if isFG(x, y) {
				bit = 1
			}
			for _, c := range channels {
				if c[0] != c[1] {
					bw.write(bit, 1)
				}
			}
		}
	}
	return bw.bytes()
}

// vp8lHeader returns just the five header bytes of a VP8L stream: what a decoder reads first.
func vp8lHeader(w, h int, alpha bool) []byte {
	var bw bitWriter
	writeVP8LHeader(&bw, w, h, alpha)
	return bw.bytes()
}

func writeVP8LHeader(bw *bitWriter, w, h int, alpha bool) {
	bw.write(0x2f, 8) // signature
	bw.write(uint32(w-1), 14)
	bw.write(uint32(h-1), 14)
	if alpha {
		bw.write(1, 1)
	} else {
		bw.write(0, 1)
	}
	bw.write(0, 3) // version
}

// riffChunk is one chunk of a WebP file.
type riffChunk struct {
	id   string
	data []byte
}

// riff wraps chunks in a WebP RIFF container, padding odd-sized chunks as the format requires.
func riff(chunks ...riffChunk) []byte {
	body := []byte("WEBP")
	for _, c := range chunks {
		body = append(body, c.id...)
		body = binary.LittleEndian.AppendUint32(body, uint32(len(c.data)))
		body = append(body, c.data...)
		if len(c.data)%2 == 1 {
			body = append(body, 0)
		}
	}
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

// vp8x is the extended-format header chunk: feature flags and the canvas size.
func vp8x(w, h int, flags byte) riffChunk {
	d := make([]byte, 10)
	d[0] = flags
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(d[4:], w-1)
	put24(d[7:], h-1)
	return riffChunk{"VP8X", d}
}

// VP8X feature flags.
const (
	vp8xICC   = 0x20
	vp8xAlpha = 0x10
	vp8xEXIF  = 0x08
	vp8xXMP   = 0x04
)
