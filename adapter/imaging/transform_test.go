package imaging

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"

	"github.com/companionhub/companionhub/test/contract/imageprocessortest"
)

func TestFitSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ w, h, fit, wantW, wantH int }{
		{640, 480, 800, 640, 480},
		{800, 800, 800, 800, 800},
		{801, 800, 800, 800, 799},
		{2048, 2048, 800, 800, 800},
		{2000, 1000, 800, 800, 400},
		{1000, 2000, 800, 400, 800},
		{2048, 1, 800, 800, 1},
		{1, 2048, 1920, 1, 1920},
		{2048, 1365, 1920, 1920, 1280}, // 1279.69 rounds up
		{3, 2, 1, 1, 1},
	} {
		w, h := fitSize(c.w, c.h, c.fit)
		assert.Equal(t, [2]int{c.wantW, c.wantH}, [2]int{w, h}, "%d×%d in %d²", c.w, c.h, c.fit)
	}
}

// zonePlate is the classic aliasing test pattern: concentric rings whose frequency rises to the
// source's Nyquist limit at the edges.
func zonePlate(n int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			dx, dy := float64(x-n/2), float64(y-n/2)
			v := uint8(127.5 + 127.5*math.Cos(math.Pi*(dx*dx+dy*dy)/float64(n)))
			m.SetRGBA(x, y, color.RGBA{v, v, v, 0xff})
		}
	}
	return m
}

// The strip-wise scaler must give what x/image's one-shot Catmull-Rom gives, for every source type
// the decoders produce, up to the 8-bit intermediate between its passes: rounding, and where a
// hard edge makes the first pass ring below 0 or above 255 (transparent next to opaque), the
// clamped lobe — a few levels at the corner of such an edge, nothing on average.
func TestScaleMatchesOneShotCatmullRom(t *testing.T) {
	t.Parallel()
	photo := imageprocessortest.Picture(333, 517)
	ycbcr := image.NewYCbCr(photo.Bounds(), image.YCbCrSubsampleRatio420)
	for y := range 517 {
		for x := range 333 {
			r, g, b, _ := photo.At(x, y).RGBA()
			yy, cb, cr := color.RGBToYCbCr(uint8(r>>8), uint8(g>>8), uint8(b>>8))
			ycbcr.Y[ycbcr.YOffset(x, y)], ycbcr.Cb[ycbcr.COffset(x, y)], ycbcr.Cr[ycbcr.COffset(x, y)] = yy, cb, cr
		}
	}
	offset := imageprocessortest.Translucent(300, 200).SubImage(image.Rect(7, 5, 300, 200)) // bounds not at (0, 0)
	for name, c := range map[string]struct {
		src image.Image
		fit int
	}{
		"zone plate":        {zonePlate(700), 256},
		"YCbCr 4:2:0":       {ycbcr, 100},
		"translucent NRGBA": {imageprocessortest.Translucent(300, 200), 120},
		"offset bounds":     {offset, 64},
		"one row":           {imageprocessortest.Picture(500, 1), 100},
		"one column":        {imageprocessortest.Picture(1, 500), 100},
		"several strips":    {imageprocessortest.Picture(stripColumns*3+5, stripRows*4+9), stripColumns*2 + 3},
	} {
		got := scale(c.src, c.fit)
		b := got.Bounds()
		want := image.NewRGBA(b)
		draw.CatmullRom.Scale(want, b, c.src, c.src.Bounds(), draw.Src, nil)
		require.Equal(t, b, want.Bounds(), name)
		maxDiff, sum := 0, 0
		for i, g := range toRGBA(got).Pix {
			d := int(g) - int(want.Pix[i])
			maxDiff, sum = max(maxDiff, d, -d), sum+max(d, -d)
		}
		assert.LessOrEqual(t, maxDiff, 8, "%s: largest channel difference to one-shot Catmull-Rom", name)
		assert.Less(t, float64(sum)/float64(len(want.Pix)), 0.5, "%s: mean channel difference to one-shot Catmull-Rom", name)
	}
}

func BenchmarkScale(b *testing.B) {
	src := zonePlate(2048)
	for _, fit := range []int{800, 1920} {
		b.Run(fmt.Sprint("strips/", fit), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				scale(src, fit)
			}
		})
		b.Run(fmt.Sprint("one-shot/", fit), func(b *testing.B) {
			b.ReportAllocs()
			w, h := fitSize(2048, 2048, fit)
			for b.Loop() {
				dst := image.NewRGBA(image.Rect(0, 0, w, h))
				draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
			}
		})
	}
}
