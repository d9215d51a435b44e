// Package retrypolicy is how the notifiers (adapter/webhook, adapter/ntfy) retry a delivery: which
// answers are worth another attempt, how long to pause between attempts, and the loop that does
// it within the caller's context. It holds the mechanism both share; each adapter keeps its own
// requests, errors and settings (NOTIFY_WEBHOOK_ATTEMPTS, NOTIFY_NTFY_ATTEMPTS, …), and adapters
// never import each other.
//
// The policy:
//   - at most Attempts attempts (1–10);
//   - after a failed attempt worth retrying, a pause of Backoff, doubling after each one and
//     capped at MaxBackoff;
//   - a receiver that asks for a longer pause (Retry-After on 429 or 503) gets it, up to
//     MaxRetryAfter;
//   - no pause outlives the caller's context: when its deadline would pass during the pause, the
//     delivery gives up at once with the last attempt's error.
package retrypolicy

import (
	"context"
	"net/http"
	"time"

	"github.com/companionhub/companionhub/envflag"
)

// The policy's defaults and bounds.
const (
	DefaultAttempts = 4
	MaxAttempts     = 10
	DefaultBackoff  = 500 * time.Millisecond
	// MaxBackoff caps the doubling pause.
	MaxBackoff = 8 * time.Second
	// MaxRetryAfter caps what a receiver's Retry-After may make a delivery wait.
	MaxRetryAfter = 30 * time.Second
)

// Policy says how often and how patiently a delivery is tried.
type Policy struct {
	// Attempts is the most attempts of one delivery, the first included (1: no retry).
	Attempts int
	// Backoff is the first pause; each later one doubles, up to MaxBackoff.
	Backoff time.Duration
	// Sleep pauses for d, and returns ctx's error early when ctx ends (nil: a timer). Tests replace
	// it so that they need not wait, and see the pauses asked for.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Default is DefaultAttempts attempts, pausing DefaultBackoff at first.
func Default() Policy { return Policy{Attempts: DefaultAttempts, Backoff: DefaultBackoff} }

// Validate checks the policy. Its errors are envflag field errors on "Attempts" and "Backoff",
// the names the adapters' options give those settings.
func (p Policy) Validate() error {
	switch {
	case p.Attempts < 1 || p.Attempts > MaxAttempts:
		return envflag.Fieldf("Attempts", "must be 1–%d, got %d", MaxAttempts, p.Attempts)
	case p.Backoff <= 0 || p.Backoff > MaxBackoff:
		return envflag.Fieldf("Backoff", "must be positive and at most %s, got %s", MaxBackoff, p.Backoff)
	}
	return nil
}

// Retryable reports whether an HTTP status is worth another attempt: 408 Request Timeout, 425 Too
// Early, 429 Too Many Requests and every 5xx. Any other 4xx is a refusal that the same request
// would meet again.
func Retryable(status int) bool {
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return true
	default:
		return status >= 500 && status <= 599
	}
}

// HonoursRetryAfter reports whether a status's Retry-After sets the next pause: 429 and 503, the
// answers that mean "not now" (RFC 9110 §10.2.3).
func HonoursRetryAfter(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// Pause is the pause before retry number n (1 after the first attempt): Backoff doubled n-1
// times up to MaxBackoff, or the receiver's retryAfter (capped at MaxRetryAfter) when longer.
func (p Policy) Pause(n int, retryAfter time.Duration) time.Duration {
	d := max(p.Backoff, 0)
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, MaxBackoff)
	return max(d, min(retryAfter, MaxRetryAfter))
}

// Attempt is how one attempt went.
type Attempt struct {
	// Err is nil when the delivery succeeded.
	Err error
	// Retry: Err is worth another attempt (a transport error, a timeout, a retryable status).
	Retry bool
	// RetryAfter is the pause the receiver asked for (0: none).
	RetryAfter time.Duration
}

// Do makes the attempts: it calls try (n counts from 1) until one succeeds, one fails for good,
// the attempts run out or ctx ends, pausing between them. It returns nil on success, and the last
// attempt's error otherwise — also when ctx ends during a pause, or would end before the pause
// does; the caller tells those cases apart by ctx.Err().
func (p Policy) Do(ctx context.Context, try func(ctx context.Context, n int) Attempt) error {
	var last error
	for n := 1; ; n++ {
		a := try(ctx, n)
		if a.Err == nil {
			return nil
		}
		last = a.Err
		if !a.Retry || n >= p.Attempts || ctx.Err() != nil {
			return last
		}
		pause := p.Pause(n, a.RetryAfter)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < pause {
			return last
		}
		if err := p.sleep(ctx, pause); err != nil {
			return last
		}
	}
}

func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
