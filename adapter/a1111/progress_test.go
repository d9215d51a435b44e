package a1111

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// recorder keeps the progress reports of one Generate call, and counts those after it returned.
type recorder struct {
	mu       sync.Mutex
	got      []picture.Progress
	late     int
	returned bool
	each     chan picture.Progress
}

func newRecorder() *recorder { return &recorder{each: make(chan picture.Progress, 100)} }

func (r *recorder) report(p picture.Progress) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.returned {
		r.late++
		return
	}
	r.got = append(r.got, p)
	r.each <- p
}

// finish marks Generate as returned and gives the reports made before.
func (r *recorder) finish() []picture.Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.returned = true
	return r.got
}

// The render moves on one step at a time (the test lets each through once the one before was
// reported): every step is reported once, in order, and the last when the picture is there.
func TestProgressRisesWithTheRender(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	fake := a1111fake.New(t, a1111fake.WithStepGate(gate))
	c := newClient(t, fake, testConfig(fake.URL()))
	rec := newRecorder()
	req := request()
	req.Steps = 4
	errc := make(chan error, 1)
	go func() {
		_, err := c.Generate(t.Context(), req, rec.report)
		rec.finish()
		errc <- err
	}()
	for step := 1; step < req.Steps; step++ {
		gate <- struct{}{}
		p := awaittest.Recv(t, rec.each, "the report of a step")
		assert.Equal(t, picture.Progress{Done: step, Total: 4}, p)
	}
	gate <- struct{}{}
	require.NoError(t, awaittest.Recv(t, errc, "Generate's return"))
	got := rec.finish()
	assert.Equal(t, []picture.Progress{{Done: 1, Total: 4}, {Done: 2, Total: 4}, {Done: 3, Total: 4}, {Done: 4, Total: 4}}, got)
	assert.Zero(t, rec.late, "no report after Generate returned")
}

func TestProgressWithoutPolling(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	cfg := testConfig(fake.URL())
	cfg.ProgressInterval = 0
	rec := newRecorder()
	_, err := newClient(t, fake, cfg).Generate(t.Context(), request(), rec.report)
	require.NoError(t, err)
	assert.Equal(t, []picture.Progress{{Done: 2, Total: 2}}, rec.finish(), "the last report is made anyway")
	assert.Zero(t, fake.Hits("/sdapi/v1/progress"))

	_, err = newClient(t, fake, testConfig(fake.URL())).Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	assert.Zero(t, fake.Hits("/sdapi/v1/progress"), "nobody to report to: no polling")
}

func TestProgressFraction(t *testing.T) {
	t.Parallel()
	answer := func(progress float64, jobCount, jobNo, step, steps int) progressAnswer {
		var p progressAnswer
		p.Progress = progress
		p.State.JobCount, p.State.JobNo, p.State.SamplingStep, p.State.SamplingSteps = jobCount, jobNo, step, steps
		return p
	}
	for _, tc := range []struct {
		name string
		p    progressAnswer
		want float64
	}{
		{"idle, with the last job's steps", answer(0, 0, 0, 20, 20), 0},
		{"starting", answer(0.01, -1, 0, 0, 0), 0.01},
		{"a step of four", answer(0.26, 1, 0, 1, 4), 0.25},
		{"the second job of two, halfway", answer(0.76, 2, 1, 5, 10), 0.75},
		{"progress only", answer(0.5, 0, 0, 0, 0), 0.5},
		{"past the end", answer(1.2, 0, 0, 0, 0), 1},
		{"negative", answer(-0.5, 0, 0, 0, 0), 0},
	} {
		assert.InDelta(t, tc.want, tc.p.fraction(), 1e-9, tc.name)
	}
}
