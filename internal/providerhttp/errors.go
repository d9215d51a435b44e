package providerhttp

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// ContextError is the error of a call that a context stopped, nil while both go on. parent is
// the caller's context: when it ended, the error is cancelled or timedOut wrapping its error (see
// domain.ContextError). call is the call's own, derived from parent with the adapter's deadline
// and a cause saying which limit ran out: when it ended, the error is timedOut wrapping that cause
// and context.DeadlineExceeded, prefixed with the adapter's name for the log.
func ContextError(name string, parent, call context.Context, cancelled, timedOut *domain.Error) error {
	if parent.Err() != nil {
		return domain.ContextError(parent, cancelled, timedOut)
	}
	if call.Err() != nil {
		return timedOut.Wrap(fmt.Errorf("%s: %w: %w", name, context.Cause(call), context.DeadlineExceeded))
	}
	return nil
}

// WithoutURL returns the error a *url.Error in err's chain wraps, or err when there is none. A
// *url.Error quotes the request's URL, which may hold credentials or a pre-signed signature, and
// which the log need not see to tell what went wrong.
func WithoutURL(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}

// RetryAfter reads Retry-After, in seconds or as an HTTP date later than now; 0 when it is absent,
// unreadable or already past.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 && s < math.MaxInt64/1e9 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// RetryAfterMs reads OpenAI's Retry-After-Ms (milliseconds, finer than Retry-After) when it
// holds a positive number, and RetryAfter otherwise.
func RetryAfterMs(h http.Header, now time.Time) time.Duration {
	if ms, err := strconv.ParseFloat(h.Get("Retry-After-Ms"), 64); err == nil && ms > 0 && ms < math.MaxInt64/1e6 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	return RetryAfter(h, now)
}
