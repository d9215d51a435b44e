package retrypolicy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/internal/retrypolicy"
	"github.com/companionhub/companionhub/test/awaittest"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, retrypolicy.Default().Validate())
	require.NoError(t, retrypolicy.Policy{Attempts: 1, Backoff: time.Millisecond}.Validate())
	require.NoError(t, retrypolicy.Policy{Attempts: 10, Backoff: 8 * time.Second}.Validate())
	for _, tc := range []struct {
		p     retrypolicy.Policy
		field string
	}{
		{retrypolicy.Policy{Attempts: 0, Backoff: time.Second}, "Attempts: "},
		{retrypolicy.Policy{Attempts: 11, Backoff: time.Second}, "Attempts: "},
		{retrypolicy.Policy{Attempts: 3, Backoff: 0}, "Backoff: "},
		{retrypolicy.Policy{Attempts: 3, Backoff: -time.Second}, "Backoff: "},
		{retrypolicy.Policy{Attempts: 3, Backoff: 9 * time.Second}, "Backoff: "},
	} {
		err := tc.p.Validate()
		require.Error(t, err, "%+v", tc.p)
		assert.Contains(t, err.Error(), tc.field)
	}
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for _, code := range []int{408, 425, 429, 500, 502, 503, 504, 599} {
		assert.True(t, retrypolicy.Retryable(code), code)
	}
	for _, code := range []int{200, 204, 301, 400, 401, 403, 404, 409, 410, 413, 422, 600} {
		assert.False(t, retrypolicy.Retryable(code), code)
	}
	assert.True(t, retrypolicy.HonoursRetryAfter(429))
	assert.True(t, retrypolicy.HonoursRetryAfter(503))
	assert.False(t, retrypolicy.HonoursRetryAfter(500))
}

// TestPause: the pause doubles up to 8 s; a receiver's Retry-After wins when longer, up to 30 s.
func TestPause(t *testing.T) {
	t.Parallel()
	p := retrypolicy.Default()
	var got []time.Duration
	for n := 1; n <= 7; n++ {
		got = append(got, p.Pause(n, 0))
	}
	ms := time.Millisecond
	assert.Equal(t, []time.Duration{500 * ms, 1000 * ms, 2000 * ms, 4000 * ms, 8000 * ms, 8000 * ms, 8000 * ms}, got)
	assert.Equal(t, 7*time.Second, p.Pause(1, 7*time.Second))
	assert.Equal(t, 2*time.Second, p.Pause(3, time.Second), "a shorter Retry-After does not shorten the backoff")
	assert.Equal(t, 30*time.Second, p.Pause(1, time.Hour), "Retry-After is capped")
	assert.Equal(t, 8*time.Second, retrypolicy.Policy{Backoff: 5 * time.Second}.Pause(2, 0), "the doubling is capped")
	assert.Equal(t, 8*time.Second, retrypolicy.Policy{Backoff: time.Second}.Pause(1000, 0), "no overflow")
}

// recorder is a Sleep that returns at once and remembers what it was asked to wait.
type recorder struct{ pauses []time.Duration }

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.pauses = append(r.pauses, d)
	return ctx.Err()
}

func TestDo(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	for _, tc := range []struct {
		name     string
		outcomes []retrypolicy.Attempt
		attempts int
		err      error
		tries    int
		pauses   []time.Duration
	}{
		{"success at once", []retrypolicy.Attempt{{}}, 4, nil, 1, nil},
		{"success after two failures", []retrypolicy.Attempt{{Err: boom, Retry: true}, {Err: boom, Retry: true}, {}}, 4, nil, 3,
			[]time.Duration{time.Second, 2 * time.Second}},
		{"a refusal is not retried", []retrypolicy.Attempt{{Err: boom}}, 4, boom, 1, nil},
		{"the attempts run out", []retrypolicy.Attempt{{Err: boom, Retry: true}}, 3, boom, 3,
			[]time.Duration{time.Second, 2 * time.Second}},
		{"Retry-After sets the pause", []retrypolicy.Attempt{{Err: boom, Retry: true, RetryAfter: 7 * time.Second}, {}}, 4, nil, 2,
			[]time.Duration{7 * time.Second}},
		{"one attempt only", []retrypolicy.Attempt{{Err: boom, Retry: true}}, 1, boom, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			p := retrypolicy.Policy{Attempts: tc.attempts, Backoff: time.Second, Sleep: rec.sleep}
			tries := 0
			err := p.Do(t.Context(), func(_ context.Context, n int) retrypolicy.Attempt {
				tries++
				assert.Equal(t, tries, n)
				return tc.outcomes[min(n, len(tc.outcomes))-1]
			})
			assert.Equal(t, tc.err, err)
			assert.Equal(t, tc.tries, tries)
			assert.Equal(t, tc.pauses, rec.pauses)
		})
	}
}

// TestDoStopsWithTheContext: a context that ends during a pause, or would end before it does,
// stops the attempts with the last error.
func TestDoStopsWithTheContext(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	failing := func(tries *int) func(context.Context, int) retrypolicy.Attempt {
		return func(context.Context, int) retrypolicy.Attempt {
			*tries++
			return retrypolicy.Attempt{Err: boom, Retry: true}
		}
	}

	ctx, cancel := context.WithCancel(t.Context())
	tries := 0
	p := retrypolicy.Policy{Attempts: 4, Backoff: time.Second, Sleep: func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}}
	assert.Equal(t, boom, p.Do(ctx, failing(&tries)))
	assert.Equal(t, 1, tries, "no attempt after the cancellation")

	// The real timer: a cancelled context ends the pause at once.
	ctx, cancel = context.WithCancel(t.Context())
	tries = 0
	p = retrypolicy.Policy{Attempts: 4, Backoff: 8 * time.Second}
	done := make(chan error, 1)
	go func() { done <- p.Do(ctx, failing(&tries)) }()
	cancel()
	assert.Equal(t, boom, awaittest.Recv(t, done, "the end of a pause cut short by the context"))

	deadline, cancelDeadline := context.WithTimeout(t.Context(), time.Second)
	defer cancelDeadline()
	rec := &recorder{}
	tries = 0
	p = retrypolicy.Policy{Attempts: 4, Backoff: 8 * time.Second, Sleep: rec.sleep}
	assert.Equal(t, boom, p.Do(deadline, failing(&tries)))
	assert.Equal(t, 1, tries)
	assert.Empty(t, rec.pauses, "a pause past the deadline is not started")
}
