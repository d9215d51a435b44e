// Package memory holds in-process implementations of ports, for a single replica (the embedded
// default) and for tests. They pass the same conformance suites as the shared stores, so switching
// to PostgreSQL or Redis changes where state lives, never what a caller observes.
package memory

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// ProviderSet provides the in-process rate limiter as the ratelimit.Limiter port.
var ProviderSet = wire.NewSet(NewRateLimiter, wire.Bind(new(ratelimit.Limiter), new(*RateLimiter)))

var _ ratelimit.Limiter = (*RateLimiter)(nil)

const (
	// shards spread the keys over independent locks, so concurrent requests for different keys
	// rarely wait for each other.
	shards = 64
	// minSweep keeps a small shard from sweeping on every insertion.
	minSweep = 64
)

// RateLimiter is the generic cell rate algorithm over one theoretical arrival time (TAT) per key,
// in memory. It needs no goroutine: a shard drops its expired keys whenever it has doubled in size
// since it last did, so memory follows the number of keys active within their period, and the
// sweeping costs O(1) per request amortised.
type RateLimiter struct {
	clock  usecase.Clock
	seed   maphash.Seed
	shards [shards]shard
}

type shard struct {
	mu sync.Mutex
	// tat maps a key to its theoretical arrival time, in Unix nanoseconds. A key whose TAT has
	// passed behaves exactly like an absent key, which is what makes dropping it safe.
	tat map[string]int64
	// sweepAt is the size at which the shard next drops expired keys.
	sweepAt int
	// Padding keeps neighbouring shards' locks off one cache line.
	_ [40]byte
}

// NewRateLimiter returns an empty limiter that reads the time from clock.
func NewRateLimiter(clock usecase.Clock) *RateLimiter {
	l := &RateLimiter{clock: clock, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].tat = make(map[string]int64)
		l.shards[i].sweepAt = minSweep
	}
	return l
}

// Allow implements ratelimit.Limiter.
func (l *RateLimiter) Allow(_ context.Context, key string, limit ratelimit.Limit) (ratelimit.Decision, error) {
	if err := ratelimit.CheckRequest(key, limit); err != nil {
		return ratelimit.Decision{}, err
	}
	interval := int64(limit.Interval())
	// The burst window is Count intervals rather than Period: Interval rounds down, and comparing
	// against Period would then let a burst of Count+1 through for some limits.
	window := interval * int64(limit.Count)
	s := &l.shards[maphash.String(l.seed, key)%shards]
	s.mu.Lock()
	defer s.mu.Unlock()
	// Read under the lock, so time never runs backwards from one decision on a key to the next.
	now := l.clock.Now().UnixNano()
	tat, ok := s.tat[key]
	if !ok || tat < now {
		tat = now
	}
	next := tat + interval
	if next-now > window {
		return ratelimit.Decision{RetryAfter: time.Duration(next - now - window)}, nil
	}
	s.tat[key] = next
	if len(s.tat) >= s.sweepAt {
		s.sweep(now)
	}
	return ratelimit.Decision{Allowed: true, Remaining: int((now + window - next) / interval)}, nil
}

// sweep rebuilds the shard's map from its live keys: deleting alone would never give the map's
// buckets back.
func (s *shard) sweep(now int64) {
	live := make(map[string]int64, len(s.tat)/2)
	for k, tat := range s.tat {
		if tat > now {
			live[k] = tat
		}
	}
	s.tat = live
	s.sweepAt = max(2*len(live), minSweep)
}

// size is the number of keys held, expired ones included (for tests).
func (l *RateLimiter) size() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.tat)
		s.mu.Unlock()
	}
	return n
}
