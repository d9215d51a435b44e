package providerhttp_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/providerhttp"
)

// TestContextError: the caller's context first (cancelled, or timed out when its deadline
// passed), then the call's own deadline, which says which limit ran out.
func TestContextError(t *testing.T) {
	t.Parallel()
	limit := errors.New("X_TIMEOUT elapsed")
	stopped := func(parent, call context.Context) string {
		err := providerhttp.ContextError("x", parent, call, domain.E(domain.KindUnavailable, "x_cancelled", "cancelled"),
			domain.E(domain.KindUnavailable, "x_timeout", "timed out"))
		if err == nil {
			return ""
		}
		if errors.Is(err, context.DeadlineExceeded) == errors.Is(err, context.Canceled) {
			t.Errorf("%v: want one of the context's errors behind it", err)
		}
		return domain.AsError(err).Reason + " " + err.Error()
	}
	live, cancelLive := context.WithCancel(t.Context())
	defer cancelLive()
	assert.Empty(t, stopped(t.Context(), live), "nothing ended")

	call, cancelCall := context.WithTimeoutCause(t.Context(), time.Nanosecond, limit)
	defer cancelCall()
	<-call.Done()
	assert.Contains(t, stopped(t.Context(), call), "x_timeout")
	assert.Contains(t, stopped(t.Context(), call), "x: X_TIMEOUT elapsed: context deadline exceeded")

	gone, leave := context.WithCancel(t.Context())
	leave()
	assert.Contains(t, stopped(gone, call), "x_cancelled", "the caller's context comes first")
	late, stop := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer stop()
	assert.Contains(t, stopped(late, late), "x_timeout")
}

func TestWithoutURL(t *testing.T) {
	t.Parallel()
	refused := errors.New("connection refused")
	err := fmt.Errorf("call: %w", &url.Error{Op: "Post", URL: "http://user:hunter2@host/?sig=secret", Err: refused})
	assert.Same(t, refused, providerhttp.WithoutURL(err))
	assert.Same(t, refused, providerhttp.WithoutURL(refused), "an error without a URL is kept")
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		header   http.Header
		want, ms time.Duration // RetryAfter's, RetryAfterMs'
	}{
		{http.Header{"Retry-After": {"7"}}, 7 * time.Second, 7 * time.Second},
		{http.Header{"Retry-After": {" 1.5 "}}, 1500 * time.Millisecond, 1500 * time.Millisecond},
		{http.Header{"Retry-After": {now.Add(10 * time.Second).Format(http.TimeFormat)}}, 10 * time.Second, 10 * time.Second},
		{http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0, 0},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"7"}}, 7 * time.Second, 250 * time.Millisecond},
		{http.Header{"Retry-After-Ms": {"250"}}, 0, 250 * time.Millisecond},
		{http.Header{"Retry-After-Ms": {"-1"}, "Retry-After": {"7"}}, 7 * time.Second, 7 * time.Second},
		{http.Header{"Retry-After-Ms": {"1e300"}}, 0, 0},
		{http.Header{"Retry-After": {"soon"}}, 0, 0},
		{http.Header{"Retry-After": {"-3"}}, 0, 0},
		{http.Header{"Retry-After": {"1e300"}}, 0, 0},
		{http.Header{}, 0, 0},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, providerhttp.RetryAfter(tc.header, now), "RetryAfter %v", tc.header)
		assert.Equal(t, tc.ms, providerhttp.RetryAfterMs(tc.header, now), "RetryAfterMs %v", tc.header)
	}
}
