package imaging

import (
	"image"

	"golang.org/x/image/draw"
)

// fitSize returns the size of a w×h picture scaled down to fit within fit×fit, keeping its aspect
// ratio (rounded to the nearest pixel, never below one). Pictures that already fit keep their
// size: scaling up adds bytes, not detail.
func fitSize(w, h, fit int) (int, int) {
	switch {
	case w <= fit && h <= fit:
		return w, h
	case w >= h:
		return fit, max(1, (h*fit+w/2)/w)
	default:
		return max(1, (w*fit+h/2)/h), fit
	}
}

// scale returns img scaled down to fit within fit×fit, or img itself when it already fits.
// Because the box is square, fitting before or after a quarter-turn gives the same size, so
// Process scales first and orients the smaller result.
//
// The filter is Catmull-Rom (x/image/draw.CatmullRom): when shrinking, x/image widens the kernel
// by the reduction ratio, so every source pixel contributes and fine detail (hair, fabric, text)
// averages out instead of turning into moiré. ApproxBiLinear blends only the four nearest source
// pixels: at the 2.56× of a 2048² upload shrunk to 800² it ignores a third or more of them and
// aliases badly on a zone plate; shrinking by a box filter first still leaves visible moiré.
//
// x/image's one-shot Kernel.Scale keeps the whole horizontally scaled picture as float64 RGBA
// — 32 bytes a pixel, 126 MB for 2048² to 1920² — so scale runs the two separable passes itself,
// each in strips whose other axis is untouched (a 1:1 Catmull-Rom is exactly the identity, so a
// strip reads nothing outside itself): rows first into an 8-bit picture fit wide and as tall as
// the source, then columns of that. Peak memory is that picture, the result and a few MB of
// strip buffers — about a quarter of the one-shot path's (BenchmarkScale) for some 15% more
// time. The pixels are the same but for the 8-bit intermediate: rounding, and ringing clamped at
// hard transparent–opaque edges (TestScaleMatchesOneShotCatmullRom).
func scale(img image.Image, fit int) image.Image {
	b := img.Bounds()
	w, h := fitSize(b.Dx(), b.Dy(), fit)
	if w == b.Dx() && h == b.Dy() {
		return img
	}
	src := img
	if w != b.Dx() { // rows: b.Dx() → w wide, as tall as the source
		mid := image.NewRGBA(image.Rect(0, 0, w, b.Dy()))
		inStrips(b.Dy(), stripRows, func(y0, y1 int) draw.Scaler {
			return draw.CatmullRom.NewScaler(w, y1-y0, b.Dx(), y1-y0)
		}, func(s draw.Scaler, y0, y1 int) {
			s.Scale(mid, image.Rect(0, y0, w, y1), img, image.Rect(b.Min.X, b.Min.Y+y0, b.Max.X, b.Min.Y+y1), draw.Src, nil)
		})
		src = mid
	}
	if h == b.Dy() {
		return src
	}
	sb := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	inStrips(w, stripColumns, func(x0, x1 int) draw.Scaler {
		return draw.CatmullRom.NewScaler(x1-x0, h, x1-x0, sb.Dy())
	}, func(s draw.Scaler, x0, x1 int) {
		s.Scale(dst, image.Rect(x0, 0, x1, h), src, image.Rect(sb.Min.X+x0, sb.Min.Y, sb.Min.X+x1, sb.Max.Y), draw.Src, nil)
	})
	return dst
}

// Strip sizes: each strip's float64 buffer is stripRows × fit or stripColumns × source height
// pixels of 32 bytes — at most 4 MB and 2 MB.
const (
	stripRows    = 64
	stripColumns = 32
)

// inStrips calls do for consecutive ranges [lo, hi) of size strip covering [0, n), with a Scaler
// from newScaler made once for the full-size strips (so its buffers are reused) and once for a
// shorter last one.
func inStrips(n, strip int, newScaler func(lo, hi int) draw.Scaler, do func(s draw.Scaler, lo, hi int)) {
	var full draw.Scaler
	for lo := 0; lo < n; lo += strip {
		hi := min(lo+strip, n)
		s := full
		if hi-lo < strip {
			s = newScaler(lo, hi)
		} else if full == nil {
			full = newScaler(lo, hi)
			s = full
		}
		do(s, lo, hi)
	}
}

// orientSteps says, for each EXIF orientation, where the source pixel for destination (x, y) is:
// at origin + x·dx + y·dy, in units of (pixel, row) of the source, with origin a corner
// (0 = top-left, 1 = top-right, 2 = bottom-right, 3 = bottom-left). Orientations 5–8 swap width
// and height. Writing the eight cases as data keeps them checkable against the EXIF table at a
// glance (row 0 of the picture is the …):
var orientSteps = [9]struct {
	corner         int
	dxPix, dxRow   int // source step per destination column
	dyPix, dyRow   int // source step per destination row
	swapDimensions bool
}{
	1: {0, 1, 0, 0, 1, false},   // top, left side: as stored
	2: {1, -1, 0, 0, 1, false},  // top, right side: mirrored left–right
	3: {2, -1, 0, 0, -1, false}, // bottom, right side: rotated 180°
	4: {3, 1, 0, 0, -1, false},  // bottom, left side: mirrored top–bottom
	5: {0, 0, 1, 1, 0, true},    // left side, top: transposed
	6: {3, 0, -1, 1, 0, true},   // right side, top: needs a 90° turn clockwise
	7: {2, 0, -1, -1, 0, true},  // right side, bottom: transversed
	8: {1, 0, 1, -1, 0, true},   // left side, bottom: needs a 90° turn anticlockwise
}

// orient returns img turned and mirrored as EXIF orientation o says it should be displayed;
// img itself for 1 or an unknown value.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	src := toRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	s := orientSteps[o]
	dw, dh := w, h
	if s.swapDimensions {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	corners := [4][2]int{{0, 0}, {w - 1, 0}, {w - 1, h - 1}, {0, h - 1}}
	origin := corners[s.corner][1]*src.Stride + corners[s.corner][0]*4
	dx := s.dxRow*src.Stride + s.dxPix*4
	dy := s.dyRow*src.Stride + s.dyPix*4
	for y := range dh {
		si := origin + y*dy
		row := dst.Pix[y*dst.Stride : y*dst.Stride+dw*4]
		for di := 0; di < len(row); di, si = di+4, si+dx {
			copy(row[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

// toRGBA returns img as an *image.RGBA whose bounds start at (0, 0), converting only if needed.
func toRGBA(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	b := img.Bounds()
	m := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Bounds(), img, b.Min, draw.Src)
	return m
}
