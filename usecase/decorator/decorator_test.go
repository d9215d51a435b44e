package decorator_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/decorator"
)

type greet struct{ Name string }

type greeting struct{ Text string }

// heard is one call an observer heard about.
type heard struct {
	name      string
	useCase   string
	took      time.Duration
	err       error
	requestID string
}

// journal is the order in which handlers ran and observers heard, shared by all of a test's
// parties so that the order between them shows.
type journal struct {
	mu      sync.Mutex
	entries []string
	heard   []heard
}

func (j *journal) note(s string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, s)
}

// recorder is an observer that writes what it hears into a journal under its name.
type recorder struct {
	name string
	j    *journal
}

func (r recorder) Observe(ctx context.Context, useCase string, took time.Duration, err error) {
	r.j.mu.Lock()
	defer r.j.mu.Unlock()
	r.j.entries = append(r.j.entries, "observe "+r.name)
	r.j.heard = append(r.j.heard, heard{name: r.name, useCase: useCase, took: took, err: err,
		requestID: correlation.RequestID(ctx)})
}

// pointerHandler is a handler with an identity, so a test can tell whether it was wrapped.
type pointerHandler struct{ calls int }

func (h *pointerHandler) Handle(context.Context, greet) (greeting, error) {
	h.calls++
	return greeting{}, nil
}

func TestFuncIsAHandler(t *testing.T) {
	t.Parallel()
	ctx := correlation.WithRequestID(context.Background(), "req-1")
	var gotCtx context.Context
	h := decorator.Func[greet, greeting](func(ctx context.Context, in greet) (greeting, error) {
		gotCtx = ctx
		return greeting{Text: "hello " + in.Name}, nil
	})

	out, err := h.Handle(ctx, greet{Name: "Ada"})

	require.NoError(t, err)
	assert.Equal(t, greeting{Text: "hello Ada"}, out)
	assert.Equal(t, "req-1", correlation.RequestID(gotCtx), "the call's context reaches the function")
}

func TestDecorateWithoutObserversReturnsTheHandlerItself(t *testing.T) {
	t.Parallel()
	h := &pointerHandler{}

	// Nothing to tell: a wrapper would only cost a closure and a clock read on every call.
	got := decorator.Decorate[greet, greeting]("greet.say", h)

	require.Same(t, h, got)
	_, err := got.Handle(context.Background(), greet{})
	require.NoError(t, err)
	assert.Equal(t, 1, h.calls)
}

func TestDecorateTellsEveryObserverInOrderOnceTheCallEnded(t *testing.T) {
	t.Parallel()
	j := &journal{}
	var ran time.Duration
	h := decorator.Func[greet, greeting](func(_ context.Context, in greet) (greeting, error) {
		j.note("handle")
		start := time.Now()
		// Let the clock move, so that a call measured backwards or not at all shows.
		for time.Since(start) <= 0 {
			runtime.Gosched()
		}
		ran = time.Since(start)
		return greeting{Text: "hello " + in.Name}, nil
	})
	d := decorator.Decorate[greet, greeting]("greet.say", h, recorder{"first", j}, recorder{"second", j}, recorder{"third", j})
	ctx := correlation.WithRequestID(context.Background(), "req-7")

	before := time.Now()
	out, err := d.Handle(ctx, greet{Name: "Ada"})
	outer := time.Since(before)

	require.NoError(t, err)
	assert.Equal(t, greeting{Text: "hello Ada"}, out, "the result passes through")
	assert.Equal(t, []string{"handle", "observe first", "observe second", "observe third"}, j.entries)
	require.Len(t, j.heard, 3)
	for _, h := range j.heard {
		assert.Equal(t, "greet.say", h.useCase, h.name)
		assert.NoError(t, h.err, h.name)
		assert.Equal(t, "req-7", h.requestID, "%s hears the call's context", h.name)
		assert.GreaterOrEqual(t, h.took, ran, "%s: the measured time covers the call", h.name)
		assert.LessOrEqual(t, h.took, outer, h.name)
	}
	assert.Equal(t, j.heard[0].took, j.heard[1].took, "every observer hears the same measurement")
}

func TestDecoratePassesTheErrorAndResultThrough(t *testing.T) {
	t.Parallel()
	j := &journal{}
	cause := domain.E(domain.KindNotFound, "no_such_name", "nobody by that name")
	d := decorator.Decorate[greet, greeting]("greet.say", decorator.Func[greet, greeting](
		func(context.Context, greet) (greeting, error) {
			// A partial result with an error is the handler's business; the decorator changes neither.
			return greeting{Text: "partial"}, cause
		}), recorder{"only", j})

	out, err := d.Handle(context.Background(), greet{Name: "Nobody"})

	require.Same(t, cause, err)
	assert.Equal(t, greeting{Text: "partial"}, out)
	require.Len(t, j.heard, 1)
	assert.Same(t, cause, j.heard[0].err)
	assert.GreaterOrEqual(t, j.heard[0].took, time.Duration(0))
}

func TestDecorateObservesEveryCall(t *testing.T) {
	t.Parallel()
	j := &journal{}
	fail := errors.New("second call fails")
	calls := 0
	d := decorator.Decorate[greet, greeting]("greet.say", decorator.Func[greet, greeting](
		func(context.Context, greet) (greeting, error) {
			calls++
			if calls == 2 {
				return greeting{}, fail
			}
			return greeting{}, nil
		}), recorder{"only", j})

	for range 3 {
		_, _ = d.Handle(context.Background(), greet{})
	}

	require.Len(t, j.heard, 3)
	assert.NoError(t, j.heard[0].err)
	assert.Same(t, fail, j.heard[1].err)
	assert.NoError(t, j.heard[2].err)
}

func TestFail(t *testing.T) {
	t.Parallel()
	unavailable := domain.E(domain.KindUnavailable, "feature_off", "this feature has no provider")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, stop := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer stop()

	for _, tc := range []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"live context", context.Background(), unavailable},
		// A caller who left hears why it was stopped, not that the feature is off.
		{"cancelled context", cancelled, context.Canceled},
		{"expired context", expired, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := decorator.Fail[greet, greeting](unavailable)

			out, err := h.Handle(tc.ctx, greet{Name: "Ada"})

			require.ErrorIs(t, err, tc.want)
			assert.Zero(t, out)
		})
	}
}
