package redis_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/redis"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/ratelimitertest"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func TestMain(m *testing.M) { containers.Main(m) }

// realRedis returns a client of the Redis server the tests share (keys keep tests apart).
func realRedis(tb testing.TB) *goredis.Client {
	tb.Helper()
	c, err := redis.Open(tb.Context(), redis.Config{URL: secret.String(containers.RedisURL(tb))})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func TestRateLimiterRedis(t *testing.T) {
	l := redis.NewRateLimiter(realRedis(t))
	ratelimitertest.Run(t, func(*testing.T) ratelimit.Limiter { return l })
}

// miniredis runs the same script in gopher-lua; it is what unit tests elsewhere may use, so it must
// pass the suite too.
func TestRateLimiterMiniredis(t *testing.T) {
	m := miniredis.RunT(t)
	c := goredis.NewClient(&goredis.Options{Addr: m.Addr()})
	t.Cleanup(func() { _ = c.Close() })
	l := redis.NewRateLimiter(c)
	ratelimitertest.Run(t, func(*testing.T) ratelimit.Limiter { return l })
}

// A key lives exactly as long as it matters, so idle keys take no memory.
func TestRateLimiterRedisKeysExpire(t *testing.T) {
	t.Parallel()
	c := realRedis(t)
	l := redis.NewRateLimiter(c)
	// An hour, so that the time between a decision and the look at its key, however long a loaded
	// machine makes it, stays well within the minute the checks allow for it.
	key, limit := containers.UniqueKey(t), ratelimit.Limit{Count: 2, Period: time.Hour}
	stored := "companionhub:ratelimit:" + key

	_, err := l.Allow(t.Context(), key, limit)
	require.NoError(t, err)
	ttl := c.PTTL(t.Context(), stored).Val()
	assert.Greater(t, ttl, limit.Interval()-time.Minute, "one request holds the key for one interval")
	assert.LessOrEqual(t, ttl, limit.Interval())

	_, err = l.Allow(t.Context(), key, limit)
	require.NoError(t, err)
	ttl = c.PTTL(t.Context(), stored).Val()
	assert.Greater(t, ttl, limit.Period-time.Minute, "a full burst holds it for the period")
	assert.LessOrEqual(t, ttl, limit.Period)

	d, err := l.Allow(t.Context(), key, limit)
	require.NoError(t, err)
	require.False(t, d.Allowed)
	assert.LessOrEqual(t, c.PTTL(t.Context(), stored).Val(), ttl, "a denial does not extend the key's life")
}

// Redis forgets scripts on restart or SCRIPT FLUSH; the limiter loads the script again.
func TestRateLimiterRedisSurvivesScriptFlush(t *testing.T) {
	t.Parallel()
	c := realRedis(t)
	l := redis.NewRateLimiter(c)
	key, limit := containers.UniqueKey(t), ratelimit.Limit{Count: 3, Period: time.Hour}
	_, err := l.Allow(t.Context(), key, limit)
	require.NoError(t, err)
	require.NoError(t, c.ScriptFlush(t.Context()).Err())
	d, err := l.Allow(t.Context(), key, limit)
	require.NoError(t, err)
	assert.Equal(t, ratelimit.Decision{Allowed: true, Remaining: 1}, d)
}

func TestRateLimiterRedisDownIsUnavailable(t *testing.T) {
	t.Parallel()
	c := goredis.NewClient(&goredis.Options{Addr: deadAddr(t), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = c.Close() })

	_, err := redis.NewRateLimiter(c).Allow(t.Context(), "k", ratelimit.Limit{Count: 1, Period: time.Minute})
	require.Error(t, err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr, "the cause is kept for the log")
}

func TestOpen(t *testing.T) {
	t.Parallel()
	t.Run("answers", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, realRedis(t).Ping(t.Context()).Err())
	})
	t.Run("down", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err := redis.Open(ctx, redis.Config{URL: secret.String("redis://:hunter2@" + deadAddr(t) + "/0?max_retries=-1")})
		require.Error(t, err)
		assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
		assert.NotContains(t, err.Error(), "hunter2")
	})
	t.Run("invalid", func(t *testing.T) {
		t.Parallel()
		_, err := redis.Open(t.Context(), redis.Config{URL: "http://:hunter2@localhost"})
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "%v", err)
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"redis://localhost:6379/0", "rediss://user:pw@cache.internal", "unix:///run/redis.sock"} {
		assert.NoError(t, redis.Config{URL: secret.String(u)}.Validate(), u)
	}
	for _, u := range []string{"", "localhost:6379", "http://localhost", "redis://localhost/notadb", "redis://:hunter2@host:port:x/0", "redis://:hunter2@[::1/0"} {
		err := redis.Config{URL: secret.String(u)}.Validate()
		require.Error(t, err, u)
		assert.NotContains(t, err.Error(), "hunter2", "the message must not quote the password")
	}
}

// deadAddr is an address where nothing listens any more.
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// BenchmarkRateLimiterRedis compares a decision with the cheapest round trip to the same server
// (PING); the ratio is the decision's cost in round trips.
func BenchmarkRateLimiterRedis(b *testing.B) {
	c := realRedis(b)
	l := redis.NewRateLimiter(c)
	ping := func(ctx context.Context) error { return c.Ping(ctx).Err() }
	b.Run("allow", func(b *testing.B) { ratelimitertest.BenchmarkAllow(b, l) })
	b.Run("deny", func(b *testing.B) { ratelimitertest.BenchmarkDeny(b, l) })
	b.Run("baseline-ping", func(b *testing.B) { ratelimitertest.BenchmarkRoundTrip(b, ping) })
	b.Run("allow-parallel", func(b *testing.B) { ratelimitertest.BenchmarkAllowParallel(b, l) })
	b.Run("baseline-ping-parallel", func(b *testing.B) { ratelimitertest.BenchmarkRoundTripParallel(b, ping) })
}
