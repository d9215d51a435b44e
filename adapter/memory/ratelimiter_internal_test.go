package memory

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/usecase/ratelimit"
)

type stepClock struct{ now time.Time }

func (c *stepClock) Now() time.Time { return c.now }

// Keys whose period has passed are dropped as new keys arrive, so a stream of distinct keys (one per
// client IP, say) holds memory for the keys of about one period, not for every key ever seen.
func TestRateLimiterMemoryStaysBounded(t *testing.T) {
	clock := &stepClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := NewRateLimiter(clock)
	limit := ratelimit.Limit{Count: 5, Period: time.Second}
	const perSecond = 1000
	peak := 0
	for second := range 60 {
		for i := range perSecond {
			_, err := l.Allow(t.Context(), strconv.Itoa(second)+":"+strconv.Itoa(i), limit)
			require.NoError(t, err)
			clock.now = clock.now.Add(time.Second / perSecond)
		}
		peak = max(peak, l.size())
	}
	// Live keys never exceed one second's worth; a shard may hold up to twice its live keys plus a
	// small floor before it sweeps.
	assert.LessOrEqual(t, peak, 2*perSecond+shards*minSweep)
	assert.Greater(t, peak, perSecond/2, "the test must actually hold keys")
}
