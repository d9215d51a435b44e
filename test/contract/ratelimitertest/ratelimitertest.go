// Package ratelimitertest is the conformance suite of the ratelimit.Limiter port: every adapter runs
// Run, so the in-memory limiter is trusted for exactly what PostgreSQL and Redis are.
//
// Subtests run in parallel and each uses its own keys, so one limiter (one database, one Redis) may
// serve them all. Tests that depend on time passing use periods of under a second and wait for the
// store itself to say the time has passed; none sleeps and then asserts.
package ratelimitertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// Run checks that the limiters newLimiter returns implement the semantics documented in
// usecase/ratelimit. newLimiter is called once per subtest and may return the same limiter each time.
func Run(t *testing.T, newLimiter func(t *testing.T) ratelimit.Limiter) {
	tests := []struct {
		name string
		fn   func(t *testing.T, l ratelimit.Limiter)
	}{
		{"AllowsABurstOfExactlyCount", testBurst},
		{"RemainingCountsDown", testRemaining},
		{"RetryAfterWhenDenied", testRetryAfter},
		{"DenialsAreNotCounted", testDenialsNotCounted},
		{"KeysAreIndependent", testKeysIndependent},
		{"DifferentLimitsOnDifferentKeys", testDifferentLimits},
		{"CountOfOne", testCountOfOne},
		{"RefillsOneRequestPerInterval", testRefill},
		{"RecoversFullyAfterThePeriod", testFullRecovery},
		{"ConcurrentCallsNeverExceedTheLimit", testConcurrency},
		{"ConcurrentCallsOnManyKeys", testConcurrencyManyKeys},
		{"InvalidLimitIsInvalid", testInvalidLimit},
		{"KeyLength", testKeyLength},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newLimiter(t))
		})
	}
}

var (
	keySeq atomic.Int64
	// keyRun tells apart processes (and -count runs) that share one store.
	keyRun = func() string {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}()
)

// key returns a key no other test uses.
func key(t *testing.T, part string) string {
	name := t.Name()
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	return "ratelimitertest:" + keyRun + ":" + strconv.FormatInt(keySeq.Add(1), 10) + ":" + name + ":" + part
}

func allow(t *testing.T, l ratelimit.Limiter, key string, limit ratelimit.Limit) ratelimit.Decision {
	t.Helper()
	d, err := l.Allow(t.Context(), key, limit)
	require.NoError(t, err)
	if d.Allowed {
		require.Zero(t, d.RetryAfter, "an allowed decision has no RetryAfter: %+v", d)
		require.True(t, d.Remaining >= 0 && d.Remaining < limit.Count, "0 <= Remaining < Count=%d: %+v", limit.Count, d)
	} else {
		require.Zero(t, d.Remaining, "a denied decision has nothing remaining: %+v", d)
		require.Positive(t, d.RetryAfter, "a denied decision says when to retry: %+v", d)
	}
	return d
}

// eventually polls cond until it holds, failing t after timeout. Unlike require.Eventually it polls
// on the test's goroutine, so cond may use require and share variables with the test freely.
func eventually(t *testing.T, timeout time.Duration, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			require.Fail(t, "condition not met within "+timeout.String(), msgAndArgs...)
		}
		<-tick.C
	}
}

// hour is a period long enough that nothing refills while a test runs.
const hour = time.Hour

func testBurst(t *testing.T, l ratelimit.Limiter) {
	k, limit := key(t, "a"), ratelimit.Limit{Count: 5, Period: hour}
	for i := range limit.Count {
		require.True(t, allow(t, l, k, limit).Allowed, "request %d of a burst of %d", i+1, limit.Count)
	}
	for range 3 {
		assert.False(t, allow(t, l, k, limit).Allowed, "request %d", limit.Count+1)
	}
}

func testRemaining(t *testing.T, l ratelimit.Limiter) {
	k, limit := key(t, "a"), ratelimit.Limit{Count: 4, Period: hour}
	var got []int
	for range limit.Count + 2 {
		got = append(got, allow(t, l, k, limit).Remaining)
	}
	assert.Equal(t, []int{3, 2, 1, 0, 0, 0}, got)
}

func testRetryAfter(t *testing.T, l ratelimit.Limiter) {
	k, limit := key(t, "a"), ratelimit.Limit{Count: 3, Period: hour}
	for range limit.Count {
		allow(t, l, k, limit)
	}
	d := allow(t, l, k, limit)
	require.False(t, d.Allowed)
	assert.LessOrEqual(t, d.RetryAfter, limit.Interval(), "one request refills within one interval")
	// Nothing refilled yet: the wait is (almost) the whole interval, not a rounding artefact.
	assert.Greater(t, d.RetryAfter, limit.Interval()-time.Minute)
}

func testDenialsNotCounted(t *testing.T, l ratelimit.Limiter) {
	k, limit := key(t, "a"), ratelimit.Limit{Count: 3, Period: hour}
	for range limit.Count {
		allow(t, l, k, limit)
	}
	first := allow(t, l, k, limit)
	require.False(t, first.Allowed)
	last := first
	for range 20 {
		last = allow(t, l, k, limit)
		require.False(t, last.Allowed)
	}
	// Had the denials been counted, each would have pushed the next allowance one interval away.
	assert.LessOrEqual(t, last.RetryAfter, first.RetryAfter)
}

func testKeysIndependent(t *testing.T, l ratelimit.Limiter) {
	a, limit := key(t, "a"), ratelimit.Limit{Count: 2, Period: hour}
	for range limit.Count {
		allow(t, l, a, limit)
	}
	require.False(t, allow(t, l, a, limit).Allowed)
	for _, other := range []string{key(t, "b"), a + "x", a[:len(a)-1], strings.ToUpper(a)} {
		d := allow(t, l, other, limit)
		assert.True(t, d.Allowed, "key %q", other)
		assert.Equal(t, limit.Count-1, d.Remaining, "key %q", other)
	}
}

func testDifferentLimits(t *testing.T, l ratelimit.Limiter) {
	limits := []ratelimit.Limit{{Count: 2, Period: hour}, {Count: 7, Period: hour}, {Count: 3, Period: 10 * hour}}
	for _, limit := range limits {
		k := key(t, limit.String())
		allowed := 0
		for range limit.Count + 3 {
			if allow(t, l, k, limit).Allowed {
				allowed++
			}
		}
		assert.Equal(t, limit.Count, allowed, "limit %s", limit)
	}
}

func testCountOfOne(t *testing.T, l ratelimit.Limiter) {
	k, limit := key(t, "a"), ratelimit.Limit{Count: 1, Period: hour}
	d := allow(t, l, k, limit)
	require.True(t, d.Allowed)
	assert.Zero(t, d.Remaining)
	d = allow(t, l, k, limit)
	require.False(t, d.Allowed)
	assert.LessOrEqual(t, d.RetryAfter, limit.Period)
}

// resolution covers the stores' units (microseconds, Redis TTLs in milliseconds) when a test
// compares a RetryAfter with this process's clock.
const resolution = time.Millisecond

func testRefill(t *testing.T, l ratelimit.Limiter) {
	k, limit := key(t, "a"), ratelimit.Limit{Count: 2, Period: 800 * time.Millisecond}
	burstAt := time.Now()
	for range limit.Count {
		require.True(t, allow(t, l, k, limit).Allowed)
	}
	// Spend the burst until a request is denied. The first one past it is, unless this process was
	// descheduled for a whole interval since the burst began, which refills one and says nothing
	// about the limiter: then the next is asked.
	var denied ratelimit.Decision
	var deniedAt time.Time
	for extra := 0; ; extra++ {
		deniedAt = time.Now()
		if denied = allow(t, l, k, limit); !denied.Allowed {
			break
		}
		require.GreaterOrEqual(t, time.Since(burstAt), limit.Interval()-resolution,
			"request %d was allowed within one interval of a burst of %d", limit.Count+extra+1, limit.Count)
		require.Less(t, extra, 100, "never denied")
	}

	var allowed ratelimit.Decision
	var allowedAt time.Time
	eventually(t, awaittest.Patience, func() bool {
		allowed = allow(t, l, k, limit)
		allowedAt = time.Now()
		return allowed.Allowed
	}, "a request must be allowed again after RetryAfter (%s)", denied.RetryAfter)

	assert.GreaterOrEqual(t, allowedAt.Sub(deniedAt), denied.RetryAfter-resolution, "allowed before RetryAfter had passed")
	// Exactly one request refilled, unless this process was descheduled for a whole interval
	// between the refill and the poll that saw it, which says nothing about the limiter.
	if allowedAt.Sub(deniedAt) < denied.RetryAfter+limit.Interval()-resolution {
		assert.Zero(t, allowed.Remaining, "only one request refills per interval")
	}
}

func testFullRecovery(t *testing.T, l ratelimit.Limiter) {
	k, limit := key(t, "a"), ratelimit.Limit{Count: 3, Period: 600 * time.Millisecond}
	burstAt := time.Now()
	for range limit.Count {
		require.True(t, allow(t, l, k, limit).Allowed)
	}
	// Denied once the burst is spent — unless this process was so slow that a whole interval
	// passed during the burst, which says nothing about the limiter.
	if d := allow(t, l, k, limit); time.Since(burstAt) < limit.Interval()-resolution {
		require.False(t, d.Allowed, "the burst is spent")
	}

	// A second key with one request per two periods, used after the burst, is allowed again only
	// once two periods have passed by the store's own clock; polling it consumes nothing while
	// denied. The second period checks that idling longer never adds to the burst.
	clock, once := key(t, "clock"), ratelimit.Limit{Count: 1, Period: 2 * limit.Period}
	require.True(t, allow(t, l, clock, once).Allowed)
	eventually(t, awaittest.Patience, func() bool { return allow(t, l, clock, once).Allowed },
		"the clock key never refilled")

	d := allow(t, l, k, limit)
	require.True(t, d.Allowed, "two periods after the burst")
	assert.Equal(t, limit.Count-1, d.Remaining, "the whole burst is available again, and no more")
}

func testConcurrency(t *testing.T, l ratelimit.Limiter) {
	const goroutines, calls = 64, 4
	k, limit := key(t, "a"), ratelimit.Limit{Count: 10, Period: hour}
	var (
		mu        sync.Mutex
		remaining []int
		denied    int
		errs      []error
		start     = make(chan struct{})
		wg        sync.WaitGroup
	)
	for range goroutines {
		wg.Go(func() {
			<-start
			for range calls {
				d, err := l.Allow(context.WithoutCancel(t.Context()), k, limit)
				mu.Lock()
				switch {
				case err != nil:
					errs = append(errs, err)
				case d.Allowed:
					remaining = append(remaining, d.Remaining)
				default:
					denied++
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	require.Empty(t, errs)
	assert.Len(t, remaining, limit.Count, "allowed requests")
	assert.Equal(t, goroutines*calls-limit.Count, denied, "denied requests")
	// The k-th allowance (in the store's order) has at most Count-k remaining: no allowance missed
	// the ones before it. Not exactly Count-k: a store may date a request when it arrived rather than
	// when it got the key's lock (PostgreSQL's now()), and one that arrived earlier but was served
	// later sees a little less refilled.
	slices.SortFunc(remaining, func(a, b int) int { return b - a })
	for i, r := range remaining {
		assert.LessOrEqual(t, r, limit.Count-1-i, "remaining values, largest first: %v", remaining)
	}
}

func testConcurrencyManyKeys(t *testing.T, l ratelimit.Limiter) {
	const keys, perKey = 8, 8
	limit := ratelimit.Limit{Count: 3, Period: hour}
	var allowed [keys]atomic.Int32
	var failures atomic.Int32
	names := make([]string, keys)
	for i := range names {
		names[i] = key(t, strconv.Itoa(i))
	}
	var wg sync.WaitGroup
	for i := range keys * perKey {
		wg.Go(func() {
			d, err := l.Allow(context.WithoutCancel(t.Context()), names[i%keys], limit)
			if err != nil {
				failures.Add(1)
			} else if d.Allowed {
				allowed[i%keys].Add(1)
			}
		})
	}
	wg.Wait()
	require.Zero(t, failures.Load())
	for i := range allowed {
		assert.EqualValues(t, limit.Count, allowed[i].Load(), "key %d", i)
	}
}

func testInvalidLimit(t *testing.T, l ratelimit.Limiter) {
	for _, limit := range []ratelimit.Limit{
		{},
		{Count: 0, Period: hour},
		{Count: -1, Period: hour},
		{Count: 1, Period: 0},
		{Count: 1, Period: -time.Second},
		{Count: 1, Period: time.Microsecond},
		// Valid by ratelimit.Limit.Validate, but faster than the stores can count (under 1µs apart).
		{Count: 2000, Period: time.Millisecond},
	} {
		_, err := l.Allow(t.Context(), key(t, "a"), limit)
		require.Error(t, err, "limit %+v", limit)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "limit %+v: %v", limit, err)
	}
}

func testKeyLength(t *testing.T, l ratelimit.Limiter) {
	limit := ratelimit.Limit{Count: 1, Period: hour}
	long := key(t, "")
	long += strings.Repeat("k", 200-len(long))
	assert.True(t, allow(t, l, long, limit).Allowed, "a key of 200 bytes")
	_, err := l.Allow(t.Context(), long+"k", limit)
	require.Error(t, err, "a key of 201 bytes")
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
}
