// Package imageprocessortest is the conformance suite of the media use cases' ImageProcessor
// port. Every implementation — adapter/imaging and any third-party one — runs it from a test:
//
//	func TestConformance(t *testing.T) {
//		imageprocessortest.Run(t, myimaging.New())
//	}
//
// It checks what the port promises, in terms a caller can see: which formats are accepted (by
// content, whatever a client declared), the output's size and type, the reason of every refusal,
// and that no metadata or appended payload survives. What only the implementation can observe —
// that a decompression bomb is refused without allocating its pixels, that cancellation stops
// the work — each implementation tests itself. All samples are generated in code (see Seeds).
package imageprocessortest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/image/webp"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// Run runs the suite against p, which must be safe for concurrent use: subtests run in parallel.
func Run(t *testing.T, p mediauc.ImageProcessor) {
	t.Run("Accepts", func(t *testing.T) {
		for _, c := range validCases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				sum := sha256.Sum256(c.data)
				out, err := p.Process(t.Context(), c.data, c.fit)
				assert.Equal(t, sum, sha256.Sum256(c.data), "Process must not modify its input")
				require.NoError(t, err)
				img := CheckOutput(t, out, c.fit)
				assert.Equal(t, [2]int{c.w, c.h}, [2]int{out.Width, out.Height},
					"the picture must be scaled down to fit %d², keeping its aspect ratio, and never up", c.fit)
				checkMarker(t, img, c.marker)
				if c.translucent {
					checkTranslucent(t, out, img)
				}
			})
		}
	})

	t.Run("StripsMetadataAndPayloads", func(t *testing.T) {
		for _, c := range metadataCases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				sum := sha256.Sum256(c.data)
				out, err := p.Process(t.Context(), c.data, mediauc.HeaderFit)
				assert.Equal(t, sum, sha256.Sum256(c.data), "Process must not modify its input")
				require.NoError(t, err, "metadata and trailing bytes alone do not make a picture invalid")
				CheckOutput(t, out, mediauc.HeaderFit)
				for _, f := range forbidden {
					assert.False(t, bytes.Contains(out.Data, []byte(f)), "the output still contains %q", f)
				}
				// Whatever follows the image's own end marker is gone, so the output ends where
				// its format says it does.
				checkEndsAtEndMarker(t, out)
			})
		}
	})

	t.Run("Refuses", func(t *testing.T) {
		for _, c := range refusalCases() {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				sum := sha256.Sum256(c.data)
				out, err := p.Process(t.Context(), c.data, mediauc.HeaderFit)
				assert.Equal(t, sum, sha256.Sum256(c.data), "Process must not modify its input")
				RequireRefusal(t, err, c.reason)
				assert.Zero(t, out, "a refusal returns no picture")
			})
		}
	})

	t.Run("SizeLimitIsInclusive", func(t *testing.T) {
		t.Parallel()
		// A valid picture padded with trailing bytes to exactly the limit.
		data := PNG(Picture(32, 32))
		data = append(data, make([]byte, mediauc.MaxImageBytes-len(data))...)
		out, err := p.Process(t.Context(), data, mediauc.HeaderFit)
		require.NoError(t, err, "MaxImageBytes bytes are allowed")
		CheckOutput(t, out, mediauc.HeaderFit)
		_, err = p.Process(t.Context(), append(data, 0), mediauc.HeaderFit)
		RequireRefusal(t, err, "image_too_large")
	})

	t.Run("DimensionLimitIsInclusive", func(t *testing.T) {
		t.Parallel()
		for _, size := range [][2]int{{mediauc.MaxImageDimension, 8}, {8, mediauc.MaxImageDimension}} {
			out, err := p.Process(t.Context(), PNG(Picture(size[0], size[1])), mediauc.PictureFit)
			require.NoError(t, err, "%d×%d is within the limit", size[0], size[1])
			CheckOutput(t, out, mediauc.PictureFit)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		inputs := [][]byte{JPEG(Picture(300, 200)), PNG(Translucent(200, 300)), WebP(250, 250, false)}
		var wg sync.WaitGroup
		results := make([]mediauc.ProcessedImage, 12)
		errs := make([]error, len(results))
		for i := range results {
			wg.Go(func() { results[i], errs[i] = p.Process(t.Context(), inputs[i%len(inputs)], 100) })
		}
		wg.Wait()
		for i, out := range results {
			require.NoError(t, errs[i])
			CheckOutput(t, out, 100)
			assert.Equal(t, 100, max(out.Width, out.Height), "call %d", i)
		}
	})
}

// CheckOutput asserts that out is a well-formed result of Process with fit: a picture of a type
// the hub stores, within fit×fit and the dimension limit, whose data decodes as that type to the
// reported size. It returns the decoded picture.
func CheckOutput(t testing.TB, out mediauc.ProcessedImage, fit int) image.Image {
	t.Helper()
	require.True(t, out.ContentType.IsImage(), "content type %q", out.ContentType)
	require.NotEmpty(t, out.Data)
	assert.True(t, out.Width >= 1 && out.Width <= fit && out.Width <= mediauc.MaxImageDimension, "width %d, fit %d", out.Width, fit)
	assert.True(t, out.Height >= 1 && out.Height <= fit && out.Height <= mediauc.MaxImageDimension, "height %d, fit %d", out.Height, fit)
	img, err := decodeAs(out.ContentType, out.Data)
	require.NoError(t, err, "the output must decode as the %s it claims to be", out.ContentType)
	assert.Equal(t, image.Rect(0, 0, out.Width, out.Height), img.Bounds(), "the reported size must be the decoded size")
	return img
}

// RequireRefusal asserts that err is the port's refusal with reason.
func RequireRefusal(t testing.TB, err error, reason string) {
	t.Helper()
	require.Error(t, err, "want a refusal (%s)", reason)
	e := domain.AsError(err)
	require.NotNil(t, e, "want a *domain.Error, got %T: %v", err, err)
	assert.Equal(t, domain.KindInvalid, e.Kind, "refusals are the caller's fault: %v", err)
	assert.Equal(t, reason, e.Reason, "%v", err)
}

func decodeAs(ct media.ContentType, data []byte) (image.Image, error) {
	switch ct {
	case media.JPEG:
		return jpeg.Decode(bytes.NewReader(data))
	case media.PNG:
		return png.Decode(bytes.NewReader(data))
	case media.WebP:
		return webp.Decode(bytes.NewReader(data))
	}
	return nil, fmt.Errorf("%q is not an image type the hub stores", ct)
}

// quadrantCentres returns the centre of each quadrant of img, in the order TL, TR, BR, BL.
func quadrantCentres(img image.Image) [4]image.Point {
	b := img.Bounds()
	x1, x3 := b.Min.X+b.Dx()/4, b.Min.X+b.Dx()*3/4
	y1, y3 := b.Min.Y+b.Dy()/4, b.Min.Y+b.Dy()*3/4
	return [4]image.Point{{x1, y1}, {x3, y1}, {x3, y3}, {x1, y3}}
}

// checkMarker asserts that the red marker is in quadrant q and nowhere else, which holds only if
// the picture was oriented (and not mirrored or turned otherwise).
func checkMarker(t *testing.T, img image.Image, q quadrant) {
	t.Helper()
	if q == noMarker {
		return
	}
	for i, pt := range quadrantCentres(img) {
		r, g, b, a := img.At(pt.X, pt.Y).RGBA()
		red := a > 0 && r > 0x9000 && g < 0x6000 && b < 0x6000
		want := quadrant(i+1) == q
		assert.Equal(t, want, red, "quadrant %d (centre %v, colour %04x %04x %04x %04x): red marker expected in quadrant %d",
			i+1, pt, r, g, b, a, q)
	}
}

// checkTranslucent asserts that transparency survived: the opaque marker stays opaque and the
// translucent bottom-right quadrant stays translucent.
func checkTranslucent(t *testing.T, out mediauc.ProcessedImage, img image.Image) {
	t.Helper()
	require.NotEqual(t, media.JPEG, out.ContentType, "JPEG cannot hold transparency")
	c := quadrantCentres(img)
	_, _, _, a := img.At(c[0].X, c[0].Y).RGBA()
	assert.GreaterOrEqual(t, a, uint32(0xf000), "the opaque marker must stay opaque")
	_, _, _, a = img.At(c[2].X, c[2].Y).RGBA()
	assert.LessOrEqual(t, a, uint32(0x9000), "the translucent quadrant must stay translucent")
}

// checkEndsAtEndMarker asserts that nothing follows the image's end: JPEG's EOI, PNG's IEND
// chunk, or the RIFF container's declared length.
func checkEndsAtEndMarker(t *testing.T, out mediauc.ProcessedImage) {
	t.Helper()
	d := out.Data
	switch out.ContentType {
	case media.JPEG:
		assert.True(t, bytes.HasSuffix(d, []byte{0xff, 0xd9}), "a JPEG ends with EOI")
	case media.PNG:
		assert.True(t, bytes.HasSuffix(d, pngChunk("IEND", nil)), "a PNG ends with IEND")
	case media.WebP:
		require.GreaterOrEqual(t, len(d), 8)
		n := int(d[4]) | int(d[5])<<8 | int(d[6])<<16 | int(d[7])<<24
		assert.Equal(t, len(d), 8+n, "a WebP ends with its RIFF container")
	}
}
