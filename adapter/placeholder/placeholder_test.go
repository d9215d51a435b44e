package placeholder

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/contract/imagegentest"
	"github.com/companionhub/companionhub/usecase/picture"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	imagegentest.Run(t, imagegentest.Harness{
		New:             func(*testing.T) picture.Generator { return New() },
		Deterministic:   true,
		ReportsProgress: true,
	})
}

func request() picture.Request {
	return picture.Request{Prompt: "a lighthouse at dusk", Width: 256, Height: 384, Seed: 7}
}

func render(t *testing.T, req picture.Request) (picture.Result, image.Image) {
	t.Helper()
	res, err := New().Generate(t.Context(), req, nil)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(res.Data))
	require.NoError(t, err)
	return res, img
}

// TestChosenSeedComesFromThePrompt: asking again chooses the same seed, so a chosen seed still
// reproduces the picture; another prompt chooses another.
func TestChosenSeedComesFromThePrompt(t *testing.T) {
	t.Parallel()
	req := request()
	req.Seed = -1
	a, _ := render(t, req)
	b, _ := render(t, req)
	assert.Equal(t, a.Seed, b.Seed)
	assert.Equal(t, a.Data, b.Data)
	assert.True(t, a.Seed >= 0 && a.Seed <= 0xffffffff, "seed %d does not fit 32 bits", a.Seed)

	req.Seed = a.Seed
	again, _ := render(t, req)
	assert.Equal(t, a.Data, again.Data, "the chosen seed, given back, must render the same picture")

	req.Seed, req.Prompt = -1, "a lighthouse at dawn"
	other, _ := render(t, req)
	assert.NotEqual(t, a.Seed, other.Seed)
}

// TestLooksLikeAPlaceholder checks the parts a person recognises: a gradient (the corners differ),
// a frame (darker than the background beside it) and a light label across the middle.
func TestLooksLikeAPlaceholder(t *testing.T) {
	t.Parallel()
	_, img := render(t, picture.Request{Prompt: "a cat", Width: 512, Height: 512, Seed: 1})
	luma := func(x, y int) uint32 {
		r, g, b, _ := img.At(x, y).RGBA()
		return (299*r + 587*g + 114*b) / 1000 >> 8
	}
	assert.NotEqual(t, img.At(1, 1), img.At(510, 510), "the background is not a gradient")
	margin := 512 / 20
	assert.Less(t, luma(margin+1, 256), luma(margin-2, 256), "no frame where it should be")

	light := 0
	for x := 64; x < 448; x++ {
		for y := 200; y < 280; y++ {
			if luma(x, y) > 240 {
				light++
			}
		}
	}
	assert.Greater(t, light, 1000, "no label across the middle")
}

func TestRefusesWhatItCannotDraw(t *testing.T) {
	t.Parallel()
	for name, req := range map[string]picture.Request{
		"too_narrow":     {Width: 63, Height: 512},
		"too_tall":       {Width: 512, Height: 2049},
		"negative_steps": {Width: 512, Height: 512, Steps: -1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := New().Generate(t.Context(), req, nil)
			require.Error(t, err)
			assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
			assert.Len(t, domain.Violations(err), 1)
		})
	}
}

func TestProgressEndsAtSteps(t *testing.T) {
	t.Parallel()
	for steps, total := range map[int]int{0: defaultSteps, 1: 1, 30: 30} {
		var got []picture.Progress
		req := request()
		req.Steps = steps
		_, err := New().Generate(t.Context(), req, func(p picture.Progress) { got = append(got, p) })
		require.NoError(t, err)
		require.Len(t, got, bands+1, "steps %d", steps)
		assert.Equal(t, picture.Progress{Done: total, Total: total}, got[len(got)-1], "steps %d", steps)
	}
}

// TestCancelStopsBetweenBands cancels from the first progress report, which arrives between two
// bands: the render must stop there, with nothing reported after.
func TestCancelStopsBetweenBands(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	calls := 0
	_, err := New().Generate(ctx, request(), func(picture.Progress) {
		calls++
		cancel()
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	assert.Equal(t, 1, calls)
}

func TestDeadlineIsATimeout(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
	defer cancel()
	_, err := New().Generate(ctx, request(), nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, errors.Is(err, errTimedOut))
}

func BenchmarkGenerate512x768(b *testing.B) {
	g := New()
	req := picture.Request{Prompt: "a lighthouse at dusk", Width: 512, Height: 768, Seed: 42}
	for b.Loop() {
		if _, err := g.Generate(b.Context(), req, nil); err != nil {
			b.Fatal(err)
		}
	}
}
