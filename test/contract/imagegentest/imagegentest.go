// Package imagegentest is the conformance suite of the picture.Generator port. Every image backend
// runs it — adapter/placeholder as it is, network backends against a faithful local fake of their
// API — so a picture use case tested with the placeholder is trusted for what the others do:
//
//	func TestConformance(t *testing.T) {
//		t.Parallel()
//		imagegentest.Run(t, imagegentest.Harness{
//			New:           func(t *testing.T) picture.Generator { return placeholder.New() },
//			Deterministic: true, ReportsProgress: true,
//		})
//	}
//
// What it checks, in port terms:
//   - the bytes are a JPEG, PNG or WebP picture of exactly the requested size;
//   - Result.Seed is the requested seed, or one the backend chose (≥ 0) when asked to choose;
//   - Result.Format, when set, is the format the bytes are in;
//   - (Deterministic) a request with a seed renders the same bytes every time, another seed others;
//   - (ReportsProgress) progress is reported in order, within 0…Total, and never after Generate
//     returned;
//   - sizes no backend can render are refused with KindInvalid, without a panic;
//   - a cancelled context fails with context.Canceled or a retryable kind, so a caller neither
//     waits for a render nobody wants nor gives up a job that was only interrupted;
//   - concurrent calls all succeed.
//
// Failures only a server can stage (429, 5xx, a bad key) are the adapter's own tests, against its
// fake.
package imagegentest

import (
	"bytes"
	"image"
	_ "image/jpeg" // backends may answer JPEG
	_ "image/png"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/webp" // backends may answer WebP

	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/usecase/picture"
)

// Harness builds the generator under test and says what it promises beyond the port's minimum.
type Harness struct {
	// New returns a generator ready to render; it is called once per subtest (cleanup goes through
	// t). The generator must be safe for concurrent use.
	New func(t *testing.T) picture.Generator
	// Deterministic: a request with a seed (≥ 0) always renders the same bytes, and another seed
	// renders other bytes.
	Deterministic bool
	// ReportsProgress: Generate calls its progress function at least once per render.
	ReportsProgress bool
}

// Run runs the suite. Subtests run in parallel.
func Run(t *testing.T, h Harness) {
	require.NotNil(t, h.New, "Harness.New is required")
	// Late progress calls are counted rather than failed on the spot: one arriving after its
	// subtest ended could no longer fail it. Checking once every subtest is done gives a late
	// call the whole suite's time to show up, without sleeping.
	var late atomic.Int64
	t.Cleanup(func() {
		if n := late.Load(); n > 0 {
			t.Errorf("progress was called %d times after Generate returned", n)
		}
	})
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"RendersTheRequestedSize", testSizes},
		{"KeepsTheGivenSeed", testGivenSeed},
		{"ChoosesASeedWhenAsked", testChosenSeed},
		{"FormatMatchesTheBytes", testFormat},
		{"SameRequestSameBytes", testSameBytes},
		{"OtherSeedOtherBytes", testOtherSeed},
		{"ProgressIsOrdered", func(t *testing.T, h Harness) { testProgress(t, h, &late) }},
		{"RefusesImpossibleSizes", testBadSizes},
		{"CancelledContextFails", testCancelled},
		{"ConcurrentCalls", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}

// request is what most checks render: modest enough for a real backend, specific enough to be a
// real prompt.
func request() picture.Request {
	return picture.Request{
		Prompt:         "a red fox reading a book under a warm lamp, watercolour, soft light",
		NegativePrompt: "blurry, text, watermark",
		Width:          512,
		Height:         512,
		Steps:          8,
		CFGScale:       7,
		Seed:           42,
		Rating:         companion.RatingGeneral,
	}
}

// generate renders req and requires success and non-empty bytes.
func generate(t *testing.T, g picture.Generator, req picture.Request) picture.Result {
	t.Helper()
	res, err := g.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	require.NotEmpty(t, res.Data, "Generate returned no bytes")
	return res
}

// decode decodes a result as JPEG, PNG or WebP and returns the picture and its format.
func decode(t *testing.T, data []byte) (image.Image, media.ContentType) {
	t.Helper()
	img, name, err := image.Decode(bytes.NewReader(data))
	require.NoError(t, err, "the bytes are not a JPEG, PNG or WebP picture")
	formats := map[string]media.ContentType{"jpeg": media.JPEG, "png": media.PNG, "webp": media.WebP}
	ct, ok := formats[name]
	require.True(t, ok, "unexpected format %q", name)
	return img, ct
}
