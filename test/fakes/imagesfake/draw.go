package imagesfake

import (
	"bytes"
	"hash/fnv"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strconv"
	"sync"
)

// drawing is one picture Draw makes. The fakes remember the last ones they made, in every server
// of the process: suites start a server per test and repeat their requests, and a 1024² picture
// takes a while to draw under the race detector.
type drawing struct {
	prompt      string
	index, w, h int
	jpeg        bool
}

var (
	drawnMu sync.Mutex
	drawn   = map[drawing][]byte{}
)

// draw is Draw, remembered. Callers must not modify the bytes.
func draw(d drawing) []byte {
	drawnMu.Lock()
	pic, ok := drawn[d]
	drawnMu.Unlock()
	if ok {
		return pic
	}
	pic = Draw(d.prompt, d.index, d.w, d.h, d.jpeg)
	drawnMu.Lock()
	defer drawnMu.Unlock()
	if len(drawn) >= 32 { // a long-lived process forgets rather than grows
		clear(drawn)
	}
	drawn[d] = pic
	return pic
}

// Draw renders the fake's picture of prompt at w×h: a diagonal gradient and three discs whose
// colours and places come from a hash of the prompt and index (the picture's place in the
// answer), so the same request always gives the same picture — the API has no seed — and another
// prompt another. Pictures are PNG (BestSpeed, to keep tests quick), JPEG when asked.
func Draw(prompt string, index, w, h int, asJPEG bool) []byte {
	hash := fnv.New64a()
	hash.Write([]byte(strconv.Itoa(index) + "\x00" + prompt))
	sum := hash.Sum64()
	next := func() uint8 { // a byte of the hash at a time, rehashing when used up
		b := uint8(sum)
		sum = sum>>8 | (sum*0x9e3779b97f4a7c15)<<56
		return b
	}
	from := color.RGBA{R: next(), G: next(), B: next(), A: 0xff}
	to := color.RGBA{R: ^from.R, G: next(), B: ^from.B, A: 0xff}

	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w {
			t := (x*512/w + y*512/h) // 0…1023
			row[4*x] = mix(from.R, to.R, t)
			row[4*x+1] = mix(from.G, to.G, t)
			row[4*x+2] = mix(from.B, to.B, t)
			row[4*x+3] = 0xff
		}
	}
	short := min(w, h)
	for range 3 {
		c := color.RGBA{R: next(), G: next(), B: next(), A: 0xff}
		cx, cy := int(next())*w/256, int(next())*h/256
		disc(img, cx, cy, short/8+int(next())*short/1024, c)
	}

	var buf bytes.Buffer
	var err error
	if asJPEG {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img)
	}
	if err != nil {
		panic("imagesfake: encode a picture in memory: " + err.Error()) // cannot fail writing to a buffer
	}
	return buf.Bytes()
}

// mix blends a into b by t/1024.
func mix(a, b uint8, t int) uint8 { return uint8((int(a)*(1024-t) + int(b)*t) >> 10) }

// disc paints a filled circle of radius r centred on cx, cy, clipped to img.
func disc(img *image.RGBA, cx, cy, r int, c color.RGBA) {
	b := image.Rect(cx-r, cy-r, cx+r+1, cy+r+1).Intersect(img.Rect)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if dx, dy := x-cx, y-cy; dx*dx+dy*dy <= r*r {
				img.SetRGBA(x, y, c)
			}
		}
	}
}
