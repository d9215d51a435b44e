package memory_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/contract/ratelimitertest"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func TestRateLimiterMemory(t *testing.T) {
	ratelimitertest.Run(t, func(*testing.T) ratelimit.Limiter {
		return memory.NewRateLimiter(usecase.SystemClock{})
	})
}

// With the clock in hand the whole GCRA schedule can be checked to the nanosecond.
func TestRateLimiterMemoryScheduleWithAFakeClock(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := memory.NewRateLimiter(clock)
	limit := ratelimit.Limit{Count: 3, Period: 3 * time.Second} // one per second
	allow := func() ratelimit.Decision {
		d, err := l.Allow(t.Context(), "k", limit)
		require.NoError(t, err)
		return d
	}

	for want := 2; want >= 0; want-- {
		assert.Equal(t, ratelimit.Decision{Allowed: true, Remaining: want}, allow())
	}
	assert.Equal(t, ratelimit.Decision{RetryAfter: time.Second}, allow())

	clock.Advance(400 * time.Millisecond)
	assert.Equal(t, ratelimit.Decision{RetryAfter: 600 * time.Millisecond}, allow())

	clock.Advance(600 * time.Millisecond)
	assert.Equal(t, ratelimit.Decision{Allowed: true}, allow(), "one refilled after one interval")
	assert.Equal(t, ratelimit.Decision{RetryAfter: time.Second}, allow())

	clock.Advance(2500 * time.Millisecond)
	assert.Equal(t, ratelimit.Decision{Allowed: true, Remaining: 1}, allow(), "two and a half refilled: two usable")

	clock.Advance(time.Hour)
	assert.Equal(t, ratelimit.Decision{Allowed: true, Remaining: 2}, allow(), "never more than the burst")

	clock.Advance(-time.Hour) // a wall clock stepping back must not hand out extra requests
	assert.Equal(t, ratelimit.Decision{RetryAfter: time.Hour - time.Second}, allow())
}

// An interval that does not divide the period evenly must not let a burst of Count+1 through.
func TestRateLimiterMemoryUnevenInterval(t *testing.T) {
	clock := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	l := memory.NewRateLimiter(clock)
	limit := ratelimit.Limit{Count: 300, Period: time.Millisecond} // 3333ns, rounded down
	allowed := 0
	for range 400 {
		d, err := l.Allow(t.Context(), "k", limit)
		require.NoError(t, err)
		if d.Allowed {
			allowed++
		}
	}
	assert.Equal(t, limit.Count, allowed)
}

func BenchmarkRateLimiterMemory(b *testing.B) {
	l := memory.NewRateLimiter(usecase.SystemClock{})
	b.Run("allow", func(b *testing.B) { ratelimitertest.BenchmarkAllow(b, l) })
	b.Run("allow-parallel", func(b *testing.B) { ratelimitertest.BenchmarkAllowParallel(b, l) })
	b.Run("deny", func(b *testing.B) { ratelimitertest.BenchmarkDeny(b, l) })
}
