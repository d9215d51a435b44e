package imaging_test

import (
	"context"
	"image"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/imaging"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/contract/imageprocessortest"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

func TestConformance(t *testing.T) {
	imageprocessortest.Run(t, imaging.New())
}

// The port leaves the output format open; this adapter picks JPEG unless a pixel is translucent.
func TestOutputFormat(t *testing.T) {
	t.Parallel()
	p := imaging.New()
	for _, c := range []struct {
		name string
		data []byte
		want media.ContentType
	}{
		{"opaque JPEG", imageprocessortest.JPEG(imageprocessortest.Picture(40, 30)), media.JPEG},
		{"opaque PNG", imageprocessortest.PNG(imageprocessortest.Picture(40, 30)), media.JPEG},
		{"opaque WebP", imageprocessortest.WebP(40, 30, false), media.JPEG},
		{"translucent PNG", imageprocessortest.PNG(imageprocessortest.Translucent(40, 30)), media.PNG},
		{"translucent WebP", imageprocessortest.WebP(40, 30, true), media.PNG},
		{"transparent pixel", imageprocessortest.PNG(image.NewNRGBA(image.Rect(0, 0, 1, 1))), media.PNG},
	} {
		out, err := p.Process(t.Context(), c.data, 800)
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, out.ContentType, c.name)
	}
	opaque := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := 3; i < len(opaque.Pix); i += 4 {
		opaque.Pix[i] = 0xff
	}
	out, err := p.Process(t.Context(), imageprocessortest.PNG(opaque), 800)
	require.NoError(t, err)
	assert.Equal(t, media.JPEG, out.ContentType, "an alpha channel no pixel uses is no reason for a larger PNG")
}

// TestRefusalAllocatesLittle checks that pictures too large are refused from their header alone.
// A decoder that believed them would allocate 4·w·h bytes (64 MiB for 4096², 10 GB for 50000²)
// before finding there are no pixels. It measures the whole process's allocations, so it must
// not run in parallel with other tests.
func TestRefusalAllocatesLittle(t *testing.T) {
	p := imaging.New()
	padded := imageprocessortest.BombPNG(2048, 2048) // within the limits, but with padding too large
	padded = append(padded, make([]byte, mediauc.MaxImageBytes)...)
	for _, c := range []struct {
		name, reason string
		data         []byte
	}{
		{"PNG 50000²", "image_dimensions", imageprocessortest.BombPNG(50000, 50000)},
		{"PNG 4096²", "image_dimensions", imageprocessortest.BombPNG(4096, 4096)},
		{"PNG 2049×1", "image_dimensions", imageprocessortest.BombPNG(2049, 1)},
		{"PNG 2048² padded past MaxImageBytes", "image_too_large", padded},
	} {
		perCall := allocated(t, 5, func() {
			_, err := p.Process(context.Background(), c.data, mediauc.HeaderFit)
			imageprocessortest.RequireRefusal(t, err, c.reason)
		})
		assert.Less(t, perCall, uint64(1<<20), "%s: refusing allocated %d bytes", c.name, perCall)
	}

	// The measurement itself must be able to see a decode, or the assertions above prove nothing.
	picture := imageprocessortest.PNG(imageprocessortest.Picture(1024, 1024))
	perCall := allocated(t, 1, func() {
		_, err := p.Process(context.Background(), picture, mediauc.HeaderFit)
		require.NoError(t, err)
	})
	assert.Greater(t, perCall, uint64(4<<20), "decoding 1024² RGBA allocates at least 4 MiB")
}

// allocated returns the bytes the process allocated per call of fn, over n calls.
func allocated(t *testing.T, n int, fn func()) uint64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		fn()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(n)
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := imaging.New().Process(ctx, imageprocessortest.JPEG(imageprocessortest.Picture(64, 64)), 800)
	require.Error(t, err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	assert.ErrorIs(t, err, context.Canceled, "the cause stays matchable")

	// Refusals from the header need no context: they are as cheap as checking it.
	_, err = imaging.New().Process(ctx, []byte("<html>"), 800)
	imageprocessortest.RequireRefusal(t, err, "unsupported_image")
}

func TestFitMustBePositive(t *testing.T) {
	t.Parallel()
	for _, fit := range []int{0, -1} {
		_, err := imaging.New().Process(t.Context(), imageprocessortest.PNG(imageprocessortest.Picture(4, 4)), fit)
		assert.Equal(t, domain.KindInternal, domain.KindOf(err), "fit %d is a programming error: %v", fit, err)
	}
}

// TestOrientations checks all eight EXIF orientations by where the red top-left marker of a
// 64×32 picture ends up and whether the sides swap.
func TestOrientations(t *testing.T) {
	t.Parallel()
	const tl, tr, br, bl = 0, 1, 2, 3
	for o, want := range map[int]struct {
		marker  int
		swapped bool
	}{
		0: {tl, false}, // no orientation tag
		1: {tl, false}, 2: {tr, false}, 3: {br, false}, 4: {bl, false},
		5: {tl, true}, 6: {tr, true}, 7: {br, true}, 8: {bl, true},
	} {
		data := imageprocessortest.WithEXIF(imageprocessortest.JPEG(imageprocessortest.Picture(64, 32)), o)
		out, err := imaging.New().Process(t.Context(), data, 800)
		require.NoError(t, err, "orientation %d", o)
		img := imageprocessortest.CheckOutput(t, out, 800)
		size := [2]int{64, 32}
		if want.swapped {
			size = [2]int{32, 64}
		}
		assert.Equal(t, size, [2]int{out.Width, out.Height}, "orientation %d", o)
		assert.Equal(t, []int{want.marker}, redQuadrants(img), "orientation %d: quadrants holding the red marker", o)
	}
}

// redQuadrants lists the quadrants (TL, TR, BR, BL = 0–3) whose centre is red.
func redQuadrants(img image.Image) []int {
	b := img.Bounds()
	centres := []image.Point{{b.Dx() / 4, b.Dy() / 4}, {b.Dx() * 3 / 4, b.Dy() / 4}, {b.Dx() * 3 / 4, b.Dy() * 3 / 4}, {b.Dx() / 4, b.Dy() * 3 / 4}}
	var red []int
	for i, c := range centres {
		r, g, bl, _ := img.At(b.Min.X+c.X, b.Min.Y+c.Y).RGBA()
		if r > 0x9000 && g < 0x6000 && bl < 0x6000 {
			red = append(red, i)
		}
	}
	return red
}

func BenchmarkProcess(b *testing.B) {
	for _, c := range []struct {
		name string
		data []byte
		fit  int
	}{
		{"JPEG_2048x2048_to_800", imageprocessortest.JPEG(imageprocessortest.Picture(2048, 2048)), mediauc.HeaderFit},
		{"JPEG_2048x2048_to_1920", imageprocessortest.JPEG(imageprocessortest.Picture(2048, 2048)), mediauc.PictureFit},
		{"PNG_translucent_2048x2048_to_800", imageprocessortest.PNG(imageprocessortest.Translucent(2048, 2048)), mediauc.HeaderFit},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := imaging.New()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Process(b.Context(), c.data, c.fit); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}

// AllowBytes lets a trusted source's larger file through (an image backend's 2048² PNG); the
// default stays the upload limit.
func TestAllowBytesRaisesTheSizeLimit(t *testing.T) {
	t.Parallel()
	noise := image.NewNRGBA(image.Rect(0, 0, 1400, 1400))
	var x uint32 = 2463534242
	for i := range noise.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		noise.Pix[i] = byte(x)
		if i%4 == 3 {
			noise.Pix[i] = 0xff
		}
	}
	data := imageprocessortest.PNG(noise)
	require.Greater(t, len(data), mediauc.MaxImageBytes, "the picture must be over the upload limit")
	p := imaging.New()
	_, err := p.Process(t.Context(), data, 256)
	require.Equal(t, "image_too_large", domain.AsError(err).Reason)
	out, err := p.Process(t.Context(), data, 256, mediauc.AllowBytes(mediauc.MaxGeneratedBytes))
	require.NoError(t, err)
	assert.Equal(t, 256, out.Width)
}
