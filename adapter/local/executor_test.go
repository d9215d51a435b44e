package local_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/usecase/chat"
)

const testStep chat.StepName = "test.step"

type result struct{ N int }

// script is a step whose attempts do what the test says, recording the attempt numbers they ran
// as and the pauses the executor asked for before retrying.
type script struct {
	attempt func(ctx context.Context, n int) (any, error)

	mu       sync.Mutex
	attempts []int
	delays   []time.Duration
}

func (s *script) executor(ctx context.Context, opts ...func(*local.Options)) *local.Executor {
	o := local.Options{Delay: func(d time.Duration) time.Duration {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.delays = append(s.delays, d)
		return 0
	}}
	for _, f := range opts {
		f(&o)
	}
	steps := map[chat.StepName]chat.Step{testStep: {Name: testStep, Call: func(ctx context.Context, in any) (any, error) {
		n := chat.AttemptFrom(ctx)
		s.mu.Lock()
		s.attempts = append(s.attempts, n)
		s.mu.Unlock()
		return s.attempt(ctx, n)
	}}}
	return local.NewExecutor(ctx, steps, clocktest.New(time.Unix(1700000000, 0)), o)
}

func (s *script) calls() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.attempts...)
}

func (s *script) requested() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

var (
	errUnavailable = domain.E(domain.KindUnavailable, "down", "the provider is down")
	errInvalid     = domain.E(domain.KindInvalid, "bad", "the request is bad")
	retrying       = chat.Policy{Attempts: 4, Backoff: chat.Backoff{Initial: time.Second, Max: 3 * time.Second, Multiplier: 2}}
)

func TestRunRetriesRetryableErrorsWithBackoff(t *testing.T) {
	s := &script{attempt: func(_ context.Context, n int) (any, error) {
		if n < 4 {
			return nil, errUnavailable
		}
		return result{N: n}, nil
	}}
	var out result
	require.NoError(t, s.executor(t.Context()).Run(testStep, retrying, "in", &out))
	assert.Equal(t, result{N: 4}, out)
	assert.Equal(t, []int{1, 2, 3, 4}, s.calls(), "attempt numbers reach the step through its context")
	delays := s.requested()
	require.Len(t, delays, 3)
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second} { // the third is capped by Max
		assert.GreaterOrEqual(t, delays[i], want/2, "pause %d", i+1)
		assert.LessOrEqual(t, delays[i], want, "pause %d", i+1)
	}
}

func TestRunDoesNotRetryOtherErrors(t *testing.T) {
	for _, err := range []error{errInvalid, errors.New("unclassified"), domain.E(domain.KindNotFound, "gone", "gone")} {
		s := &script{attempt: func(context.Context, int) (any, error) { return nil, err }}
		got := s.executor(t.Context()).Run(testStep, retrying, "in", nil)
		assert.Same(t, err, got, "the step's error comes back unchanged")
		assert.Equal(t, []int{1}, s.calls())
	}
}

func TestRunReturnsTheLastErrorWhenAttemptsRunOut(t *testing.T) {
	s := &script{attempt: func(_ context.Context, n int) (any, error) {
		return nil, errUnavailable.Wrap(errors.New("attempt failed"))
	}}
	err := s.executor(t.Context()).Run(testStep, retrying, "in", nil)
	assert.ErrorIs(t, err, errUnavailable)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	assert.Equal(t, []int{1, 2, 3, 4}, s.calls())
}

func TestRunMakesOneAttemptAtLeast(t *testing.T) {
	s := &script{attempt: func(context.Context, int) (any, error) { return nil, errUnavailable }}
	assert.ErrorIs(t, s.executor(t.Context()).Run(testStep, chat.Policy{}, "in", nil), errUnavailable)
	assert.Equal(t, []int{1}, s.calls())
}

func TestAttemptThatOutlivesItsTimeoutIsRetried(t *testing.T) {
	s := &script{attempt: func(ctx context.Context, n int) (any, error) {
		if n == 1 {
			<-ctx.Done() // a provider that hangs
			return nil, ctx.Err()
		}
		return result{N: n}, nil
	}}
	p := chat.Policy{Timeout: 20 * time.Millisecond, Attempts: 2, Backoff: retrying.Backoff}
	var out result
	require.NoError(t, s.executor(t.Context()).Run(testStep, p, "in", &out))
	assert.Equal(t, result{N: 2}, out)
	assert.Equal(t, []int{1, 2}, s.calls())
}

func TestAttemptTimeoutIsStepTimeout(t *testing.T) {
	cause := domain.E(domain.KindInvalid, "confused", "the provider gave up") // not retryable itself
	s := &script{attempt: func(ctx context.Context, n int) (any, error) {
		<-ctx.Done()
		return nil, cause.Wrap(ctx.Err())
	}}
	p := chat.Policy{Timeout: 10 * time.Millisecond, Attempts: 2, Backoff: retrying.Backoff}
	err := s.executor(t.Context()).Run(testStep, p, "in", nil)
	assert.ErrorIs(t, err, chat.ErrStepTimeout)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "a timeout is worth retrying")
	assert.ErrorIs(t, err, cause, "the step's error is kept as the cause")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, []int{1, 2}, s.calls())
}

func TestRetryAfterIsHonoured(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want time.Duration
	}{
		{"longer than the backoff", domain.E(domain.KindRateLimited, "slow", "slow down").WithRetryAfter(7 * time.Second), 7 * time.Second},
		{"wrapped", errors.Join(errors.New("x"), domain.E(domain.KindRateLimited, "slow", "slow down").WithRetryAfter(9*time.Second)), 9 * time.Second},
		{"capped at a minute", domain.E(domain.KindRateLimited, "slow", "slow down").WithRetryAfter(10 * time.Minute), time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{attempt: func(_ context.Context, n int) (any, error) {
				if n == 1 {
					return nil, tc.err
				}
				return nil, nil
			}}
			require.NoError(t, s.executor(t.Context()).Run(testStep, retrying, "in", nil))
			assert.Equal(t, []time.Duration{tc.want}, s.requested())
		})
	}
	t.Run("shorter than the backoff", func(t *testing.T) {
		s := &script{attempt: func(_ context.Context, n int) (any, error) {
			if n == 1 {
				return nil, domain.E(domain.KindRateLimited, "slow", "slow down").WithRetryAfter(time.Millisecond)
			}
			return nil, nil
		}}
		require.NoError(t, s.executor(t.Context()).Run(testStep, retrying, "in", nil))
		require.Len(t, s.requested(), 1)
		assert.GreaterOrEqual(t, s.requested()[0], retrying.Backoff.Initial/2, "the backoff still applies")
	})
}

func TestStoppedTurnFailsStepsWithoutCallingThem(t *testing.T) {
	for _, tc := range []struct {
		cause error
		want  error
	}{
		{chat.ErrCancelled, chat.ErrCancelled},
		{chat.ErrInterrupted, chat.ErrInterrupted},
		{nil, chat.ErrInterrupted}, // context.Canceled: someone stopped it
		{errors.New("other"), chat.ErrInterrupted},
	} {
		ctx, cancel := context.WithCancelCause(t.Context())
		cancel(tc.cause)
		s := &script{attempt: func(context.Context, int) (any, error) { return nil, nil }}
		err := s.executor(ctx).Run(testStep, retrying, "in", nil)
		assert.Same(t, tc.want, err, "cause %v", tc.cause)
		assert.Empty(t, s.calls())
	}
}

func TestCancelDuringAStepStopsIt(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	entered := make(chan struct{})
	s := &script{attempt: func(ctx context.Context, _ int) (any, error) {
		close(entered)
		<-ctx.Done()
		return nil, errUnavailable.Wrap(ctx.Err()) // retryable, yet the turn is over
	}}
	errc := make(chan error, 1)
	go func() { errc <- s.executor(ctx).Run(testStep, retrying, "in", nil) }()
	awaittest.Recv(t, entered, "the step's start")
	cancel(chat.ErrCancelled)
	assert.Same(t, chat.ErrCancelled, awaittest.Recv(t, errc, "Run's return"))
	assert.Equal(t, []int{1}, s.calls())
}

func TestCancelDuringABackoffStopsTheWait(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	waiting := make(chan struct{})
	s := &script{attempt: func(context.Context, int) (any, error) { return nil, errUnavailable }}
	x := s.executor(ctx, func(o *local.Options) {
		o.Delay = func(time.Duration) time.Duration {
			close(waiting)
			return time.Hour
		}
	})
	errc := make(chan error, 1)
	go func() { errc <- x.Run(testStep, retrying, "in", nil) }()
	awaittest.Recv(t, waiting, "the backoff")
	cancel(chat.ErrCancelled)
	assert.Same(t, chat.ErrCancelled, awaittest.Recv(t, errc, "Run's return"))
	assert.Equal(t, []int{1}, s.calls())
}

func TestDetachedStepRunsAndRetriesAfterCancel(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(chat.ErrCancelled)
	s := &script{attempt: func(ctx context.Context, n int) (any, error) {
		if ctx.Err() != nil {
			return nil, errors.New("a detached step must not see the turn's cancellation")
		}
		if n == 1 {
			return nil, errUnavailable
		}
		return result{N: n}, nil
	}}
	p := chat.Policies[chat.StepFinish]
	var out result
	require.NoError(t, s.executor(ctx).Run(testStep, p, "in", &out))
	assert.Equal(t, result{N: 2}, out)
	assert.Equal(t, []int{1, 2}, s.calls())
}

func TestPanicsBecomeInternalErrors(t *testing.T) {
	core, logs := observer.New(zap.ErrorLevel)
	s := &script{attempt: func(context.Context, int) (any, error) { panic("boom") }}
	x := s.executor(t.Context(), func(o *local.Options) { o.Log = zap.New(core) })

	err := x.Run(testStep, retrying, "in", nil)
	require.Error(t, err)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
	assert.Equal(t, []int{1}, s.calls(), "a panic is a bug, not retried")

	w := x.Go(func(chat.Executor) error { panic("boom in Go") })
	err = w.Wait()
	require.Error(t, err)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))

	require.Equal(t, 2, logs.Len())
	for _, e := range logs.All() {
		assert.Contains(t, e.ContextMap(), "stack")
	}
}

func TestRunDecodesIntoOut(t *testing.T) {
	ok := func(v any) *script {
		return &script{attempt: func(context.Context, int) (any, error) { return v, nil }}
	}
	var out result
	require.NoError(t, ok(result{N: 1}).executor(t.Context()).Run(testStep, retrying, "in", &out))
	assert.Equal(t, result{N: 1}, out)
	require.NoError(t, ok(&result{N: 2}).executor(t.Context()).Run(testStep, retrying, "in", &out), "a pointer result")
	assert.Equal(t, result{N: 2}, out)
	require.NoError(t, ok(nil).executor(t.Context()).Run(testStep, retrying, "in", &out), "a nil result")
	assert.Equal(t, result{}, out)
	require.NoError(t, ok(result{N: 3}).executor(t.Context()).Run(testStep, retrying, "in", nil), "discarded")

	var wrong string
	err := ok(result{N: 4}).executor(t.Context()).Run(testStep, retrying, "in", &wrong)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err), "a result of another type")

	s := ok(result{})
	err = s.executor(t.Context()).Run(testStep, retrying, "in", result{})
	assert.Equal(t, domain.KindInternal, domain.KindOf(err), "out is not a pointer")
	assert.Empty(t, s.calls(), "checked before the step runs")

	err = s.executor(t.Context()).Run("no.such.step", retrying, "in", nil)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
}

func TestGoRunsConcurrently(t *testing.T) {
	x := (&script{}).executor(t.Context())
	release := make(chan struct{})
	w1 := x.Go(func(chat.Executor) error {
		select {
		case <-release:
		case <-time.After(awaittest.Patience):
			t.Error("the second function never ran while the first waited")
		}
		return errInvalid
	})
	w2 := x.Go(func(got chat.Executor) error {
		assert.Same(t, x, got, "the same executor")
		close(release) // only possible if w1 runs at the same time
		return nil
	})
	assert.NoError(t, w2.Wait())
	assert.Same(t, errInvalid, w1.Wait())
	assert.Equal(t, time.Unix(1700000000, 0), x.Now(), "Now is the clock's")
}

func TestBackoffDelay(t *testing.T) {
	b := chat.Backoff{Initial: 100 * time.Millisecond, Max: time.Second, Multiplier: 3}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 300 * time.Millisecond, 3: 900 * time.Millisecond, 4: time.Second, 50: time.Second} {
		for range 20 {
			d := local.BackoffDelay(b, n)
			assert.GreaterOrEqual(t, d, want/2, "attempt %d", n)
			assert.LessOrEqual(t, d, want, "attempt %d", n)
		}
	}
	assert.Zero(t, local.BackoffDelay(chat.Backoff{}, 3), "no backoff")
	huge := local.BackoffDelay(chat.Backoff{Initial: time.Hour, Multiplier: 1e300}, 1000)
	assert.GreaterOrEqual(t, huge, 30*time.Minute, "unbounded growth stops at an hour")
	assert.LessOrEqual(t, huge, time.Hour, "unbounded growth stops at an hour")
}

// BackoffScale shortens the policies' pauses (tests), never the one a provider asked for.
func TestBackoffScaleShortensBackoffButNotRetryAfter(t *testing.T) {
	t.Parallel()
	policy := chat.Policy{Timeout: time.Second, Attempts: 2, Backoff: chat.Backoff{Initial: 10 * time.Second, Max: 10 * time.Second, Multiplier: 1}}
	for name, tc := range map[string]struct {
		err      error
		min, max time.Duration
	}{
		"backoff":     {err: domain.E(domain.KindUnavailable, "down", "down"), min: 0, max: 20 * time.Millisecond},
		"retry-after": {err: domain.E(domain.KindRateLimited, "busy", "busy").WithRetryAfter(5 * time.Second), min: 5 * time.Second, max: 5 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := &script{attempt: func(_ context.Context, n int) (any, error) {
				if n == 1 {
					return nil, tc.err
				}
				return result{N: n}, nil
			}}
			x := s.executor(t.Context(), func(o *local.Options) { o.BackoffScale = 0.001 })
			var out result
			require.NoError(t, x.Run(testStep, policy, nil, &out))
			s.mu.Lock()
			defer s.mu.Unlock()
			require.Len(t, s.delays, 1)
			assert.GreaterOrEqual(t, s.delays[0], tc.min)
			assert.LessOrEqual(t, s.delays[0], tc.max)
		})
	}
}
