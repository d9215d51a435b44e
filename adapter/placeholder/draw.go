package placeholder

import (
	"encoding/binary"
	"hash/fnv"
	"image"
	"image/color"
	"math"
	"strconv"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// label is what every placeholder says, large enough to read in a thumbnail.
const label = "OFFLINE PICTURE"

// palette is the colours of one picture.
type palette struct {
	from, to color.RGBA // the gradient's, top left to bottom right
	frame    color.RGBA
	text     color.RGBA
	shadow   color.RGBA
}

// paletteFor picks two hues from a hash of the seed and the prompt, 40–120° apart so that the
// gradient is visible but never loud, with low saturation and high value: a background, not a
// picture.
func paletteFor(seed int64, prompt string) palette {
	h := fnv.New64a()
	_ = binary.Write(h, binary.LittleEndian, seed)
	h.Write([]byte(prompt))
	sum := h.Sum64()
	hue := float64(sum % 360)
	hue2 := hue + 40 + float64((sum>>16)%80)
	sat := 0.30 + float64((sum>>32)%20)/100
	from, to := hsv(hue, sat, 0.90), hsv(hue2, sat+0.05, 0.78)
	return palette{
		from:   from,
		to:     to,
		frame:  shade(to, 0.55),
		text:   color.RGBA{R: 0xfa, G: 0xfa, B: 0xfa, A: 0xff},
		shadow: shade(from, 0.40),
	}
}

// gradient fills rows y0…y1-1 of img, weighting the vertical three times the horizontal so that
// portrait and landscape pictures both read as a gentle diagonal. Integer arithmetic keeps a
// 2048² picture in the milliseconds.
func (p palette) gradient(img *image.RGBA, y0, y1 int) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	dr, dg, db := int(p.to.R)-int(p.from.R), int(p.to.G)-int(p.from.G), int(p.to.B)-int(p.from.B)
	tx := make([]int, w)
	for x := range tx {
		tx[x] = x * 1024 / w
	}
	for y := y0; y < y1; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		ty := 3 * y * 1024 / h
		for x := range w {
			t := (tx[x] + ty) >> 2 // 0…1023
			row[4*x] = uint8(int(p.from.R) + dr*t>>10)
			row[4*x+1] = uint8(int(p.from.G) + dg*t>>10)
			row[4*x+2] = uint8(int(p.from.B) + db*t>>10)
			row[4*x+3] = 0xff
		}
	}
}

// decorate draws the frame and the label with the seed beneath it.
func (p palette) decorate(img *image.RGBA, seed int64) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	short := min(w, h)
	margin, thick := short/20, max(2, short/100)
	outer := image.Rect(margin, margin, w-margin, h-margin)
	inner := outer.Inset(thick)
	fill(img, image.Rect(outer.Min.X, outer.Min.Y, outer.Max.X, inner.Min.Y), p.frame)
	fill(img, image.Rect(outer.Min.X, inner.Max.Y, outer.Max.X, outer.Max.Y), p.frame)
	fill(img, image.Rect(outer.Min.X, inner.Min.Y, inner.Min.X, inner.Max.Y), p.frame)
	fill(img, image.Rect(inner.Max.X, inner.Min.Y, outer.Max.X, inner.Max.Y), p.frame)

	// The label spans about three quarters of the width (a fifth of the height at most); the
	// seed line is about half its size.
	big := labelMask()
	scale := max(1, min(w*3/4/big.Rect.Dx(), h/5/big.Rect.Dy()))
	small := textMask("seed " + strconv.FormatInt(seed, 10))
	smallScale := max(1, (scale+1)/2)
	gap := big.Rect.Dy() * scale / 3
	top := (h - big.Rect.Dy()*scale - gap - small.Rect.Dy()*smallScale) / 2
	p.drawText(img, big, scale, (w-big.Rect.Dx()*scale)/2, top)
	p.drawText(img, small, smallScale, (w-small.Rect.Dx()*smallScale)/2, top+big.Rect.Dy()*scale+gap)
}

// drawText draws mask scaled up by scale (nearest neighbour: a bitmap font stays crisp) at x, y,
// over a shadow that keeps it legible on light and dark backgrounds alike.
func (p palette) drawText(img *image.RGBA, mask *image.Alpha, scale, x, y int) {
	off := max(1, scale/3)
	for _, layer := range []struct {
		c  color.RGBA
		dx int
	}{{p.shadow, off}, {p.text, 0}} {
		for my := range mask.Rect.Dy() {
			for mx := range mask.Rect.Dx() {
				if mask.AlphaAt(mx, my).A < 0x80 {
					continue
				}
				px, py := x+mx*scale+layer.dx, y+my*scale+layer.dx
				fill(img, image.Rect(px, py, px+scale, py+scale), layer.c)
			}
		}
	}
}

// labelMask is drawn once: it never changes.
var labelMask = sync.OnceValue(func() *image.Alpha { return textMask(label) })

// textMask draws s (ASCII) in basicfont's 7×13 face, one glyph cell per character.
func textMask(s string) *image.Alpha {
	face := basicfont.Face7x13
	mask := image.NewAlpha(image.Rect(0, 0, font.MeasureString(face, s).Ceil(), face.Height))
	d := font.Drawer{Dst: mask, Src: image.Opaque, Face: face, Dot: fixed.P(0, face.Ascent)}
	d.DrawString(s)
	return mask
}

// fill paints r (clipped to img) with c.
func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2], row[i+3] = c.R, c.G, c.B, c.A
		}
	}
}

// shade darkens c by factor f (0…1).
func shade(c color.RGBA, f float64) color.RGBA {
	return color.RGBA{R: uint8(float64(c.R) * f), G: uint8(float64(c.G) * f), B: uint8(float64(c.B) * f), A: c.A}
}

// hsv converts a hue in degrees (any value), saturation and value (0…1) to an opaque colour.
func hsv(h, s, v float64) color.RGBA {
	h = math.Mod(h, 360)
	c := v * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := v - c
	return color.RGBA{R: uint8((r + m) * 255), G: uint8((g + m) * 255), B: uint8((b + m) * 255), A: 0xff}
}
