package imagegentest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/contract/porttest"
	"github.com/companionhub/companionhub/usecase/picture"
)

// testSizes renders the portrait, landscape and square sizes the hub asks for, and decodes every
// pixel: a truncated file can have a valid header.
func testSizes(t *testing.T, h Harness) {
	g := h.New(t)
	for _, size := range [][2]int{{512, 512}, {512, 768}, {768, 512}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			t.Parallel()
			req := request()
			req.Width, req.Height = size[0], size[1]
			img, _ := decode(t, generate(t, g, req).Data)
			assert.Equal(t, size, [2]int{img.Bounds().Dx(), img.Bounds().Dy()}, "picture size")
		})
	}
}

func testGivenSeed(t *testing.T, h Harness) {
	res := generate(t, h.New(t), request())
	assert.Equal(t, request().Seed, res.Seed, "Result.Seed must be the requested seed")
}

// testChosenSeed asks the backend to choose: the seed it reports must be one a request can
// give back to render the picture again, so never negative.
func testChosenSeed(t *testing.T, h Harness) {
	req := request()
	req.Seed = -1
	res := generate(t, h.New(t), req)
	assert.GreaterOrEqual(t, res.Seed, int64(0), "the seed a backend chose must be usable in a request")
}

func testFormat(t *testing.T, h Harness) {
	res := generate(t, h.New(t), request())
	_, sniffed := decode(t, res.Data)
	if !res.Format.IsZero() {
		assert.Equal(t, sniffed, res.Format, "Result.Format must be the format of the bytes")
	}
}

func testSameBytes(t *testing.T, h Harness) {
	if !h.Deterministic {
		t.Skip("the harness says the generator is not deterministic")
	}
	g := h.New(t)
	a, b := generate(t, g, request()), generate(t, g, request())
	assert.True(t, bytes.Equal(a.Data, b.Data), "the same request with the same seed rendered different bytes")
}

func testOtherSeed(t *testing.T, h Harness) {
	if !h.Deterministic {
		t.Skip("the harness says the generator is not deterministic")
	}
	g := h.New(t)
	other := request()
	other.Seed++
	a, b := generate(t, g, request()), generate(t, g, other)
	assert.False(t, bytes.Equal(a.Data, b.Data), "seeds %d and %d rendered the same bytes", request().Seed, other.Seed)
}

// testProgress records every progress call while Generate runs; a call after it returned counts
// in late, which Run checks when every subtest is done.
func testProgress(t *testing.T, h Harness, late *atomic.Int64) {
	if !h.ReportsProgress {
		t.Skip("the harness says the generator does not report progress")
	}
	var (
		mu       sync.Mutex
		got      []picture.Progress
		returned bool
	)
	_, err := h.New(t).Generate(t.Context(), request(), func(p picture.Progress) {
		mu.Lock()
		defer mu.Unlock()
		if returned {
			late.Add(1)
			return
		}
		got = append(got, p)
	})
	mu.Lock()
	returned = true
	calls := got
	mu.Unlock()
	require.NoError(t, err)
	require.NotEmpty(t, calls, "the generator reported no progress")
	done := 0
	for i, p := range calls {
		assert.Positive(t, p.Total, "call %d: Total", i)
		assert.True(t, 0 <= p.Done && p.Done <= p.Total, "call %d: Done %d is not within 0…%d", i, p.Done, p.Total)
		assert.GreaterOrEqual(t, p.Done, done, "call %d: Done went back", i)
		done = p.Done
	}
}

// testBadSizes sends sizes no backend renders. The use case validates sizes first, so these are a
// backend's last line of defence: it must refuse them as the caller's fault, never panic or ask a
// server for a zero-pixel or gigapixel picture.
func testBadSizes(t *testing.T, h Harness) {
	g := h.New(t)
	for _, size := range [][2]int{{0, 512}, {512, 0}, {-512, 512}, {512, -64}, {2112, 512}, {512, 4096}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			t.Parallel()
			req := request()
			req.Width, req.Height = size[0], size[1]
			var err error
			require.NotPanics(t, func() { _, err = g.Generate(t.Context(), req, nil) })
			require.Error(t, err)
			assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "kind of %v", err)
		})
	}
}

func testCancelled(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.New(t).Generate(ctx, request(), nil)
	porttest.RequireCancelled(t, err)
}

// testConcurrent renders four pictures at once from one generator, as a worker pool does.
func testConcurrent(t *testing.T, h Harness) {
	g := h.New(t)
	var wg sync.WaitGroup
	results := make([]picture.Result, 4)
	errs := make([]error, len(results))
	for i := range results {
		wg.Go(func() {
			req := request()
			req.Seed = int64(i + 1)
			results[i], errs[i] = g.Generate(t.Context(), req, nil)
		})
	}
	wg.Wait()
	for i, res := range results {
		require.NoError(t, errs[i], "call %d", i)
		img, _ := decode(t, res.Data)
		assert.Equal(t, [2]int{512, 512}, [2]int{img.Bounds().Dx(), img.Bounds().Dy()}, "call %d", i)
		assert.Equal(t, int64(i+1), res.Seed, "call %d", i)
	}
}
