// Package ratelimit is the port for request rate limits and the policy that applies them.
//
// A Limit of N per Period allows bursts of up to N requests and then refills continuously at N per
// Period (the generic cell rate algorithm): after a burst, one more request is allowed every
// Period/N, and after a full Period of silence the whole burst is available again. Every adapter
// implements exactly these semantics, which the conformance suite in test/contract/ratelimitertest
// checks.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Limit is "Count requests per Period".
type Limit struct {
	Count  int
	Period time.Duration
}

// ParseLimit reads the "N/duration" form used in configuration, e.g. "5/15m" or "30/1m".
func ParseLimit(s string) (Limit, error) {
	n, d, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Limit{}, fmt.Errorf("limit %q: want N/duration, e.g. 5/15m", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil {
		return Limit{}, fmt.Errorf("limit %q: count: %w", s, err)
	}
	period, err := time.ParseDuration(strings.TrimSpace(d))
	if err != nil {
		return Limit{}, fmt.Errorf("limit %q: period: %w", s, err)
	}
	l := Limit{Count: count, Period: period}
	return l, l.Validate()
}

// Validate checks that the limit can be enforced.
func (l Limit) Validate() error {
	if l.Count < 1 {
		return fmt.Errorf("limit count must be at least 1, got %d", l.Count)
	}
	if l.Period < time.Millisecond {
		return fmt.Errorf("limit period must be at least 1ms, got %s", l.Period)
	}
	if l.Interval() < time.Microsecond {
		return fmt.Errorf("limit %d per %s is finer than one request per microsecond", l.Count, l.Period)
	}
	return nil
}

// Interval is the time one request's allowance takes to refill. Adapters measure the burst as
// Count × Interval (not Period), so rounding never lets Count+1 through.
func (l Limit) Interval() time.Duration { return l.Period / time.Duration(l.Count) }

// String writes the "N/duration" form with the shortest whole unit: "5/15m", "3/24h", "30/1m".
func (l Limit) String() string { return strconv.Itoa(l.Count) + "/" + shortDuration(l.Period) }

func shortDuration(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if d >= u.d && d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return d.String()
}

// Decision is the outcome of one Allow call.
type Decision struct {
	Allowed bool
	// Remaining is how many more requests would be allowed right now.
	Remaining int
	// RetryAfter is, when denied, how long until one request will be allowed again; zero when allowed.
	RetryAfter time.Duration
}

// Limiter is the port every rate-limit store implements.
//
// Allow atomically decides whether one more request under key fits limit and, if it does, counts it;
// a denied request is not counted. Concurrent calls for one key never allow more than the limit.
// Errors: KindUnavailable when the store cannot be reached; KindInvalid for an invalid limit.
// Keys are opaque strings of at most 200 bytes.
type Limiter interface {
	Allow(ctx context.Context, key string, limit Limit) (Decision, error)
}

// ErrLimited is the error a denied request turns into.
var ErrLimited = domain.E(domain.KindRateLimited, "rate_limited", "too many requests; try again later")

// ErrStoreDown is returned when the limiter store fails and the rule fails closed.
var ErrStoreDown = domain.E(domain.KindUnavailable, "rate_limiter_unavailable", "the service is busy; try again shortly")

// MarshalText writes the "N/duration" form, so limits read naturally in configuration.
func (l Limit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads the "N/duration" form.
func (l *Limit) UnmarshalText(b []byte) error {
	v, err := ParseLimit(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// MaxKeyBytes bounds limiter keys (Key's output is far shorter).
const MaxKeyBytes = 200

// CheckRequest is what every adapter refuses before deciding, with KindInvalid: a key longer than
// MaxKeyBytes, or a limit that is not valid (including one finer than a microsecond per request,
// the resolution every store counts in).
func CheckRequest(key string, limit Limit) error {
	if len(key) > MaxKeyBytes {
		return domain.Errorf(domain.KindInvalid, "rate limit key is %d bytes, more than %d", len(key), MaxKeyBytes)
	}
	if err := limit.Validate(); err != nil {
		return domain.Errorf(domain.KindInvalid, "rate limit %s: %w", limit, err)
	}
	return nil
}
