package redis_test

import (
	"context"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/redis"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/streamtest"
	"github.com/companionhub/companionhub/usecase/stream"
)

// streamRedis returns a client of the shared server whose pool holds size connections: every
// subscription keeps one (see StreamBus), and the suite runs about a hundred at once.
func streamRedis(tb testing.TB, size int) *goredis.Client {
	tb.Helper()
	opt, err := goredis.ParseURL(containers.RedisURL(tb))
	require.NoError(tb, err)
	opt.PoolSize, opt.PoolTimeout = size, 10*time.Second
	c := goredis.NewClient(opt)
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

func newStreamBus(tb testing.TB, c goredis.UniversalClient) *redis.StreamBus {
	bus := redis.NewStreamBus(c)
	tb.Cleanup(func() { _ = bus.Close() })
	return bus
}

// Every subtest gets a bus of its own on one client: the suite's two-bus test is then two replicas.
func TestStreamBusRedis(t *testing.T) {
	c := streamRedis(t, 256)
	streamtest.Run(t, func(t *testing.T) stream.Bus { return newStreamBus(t, c) })
}

// The layout other tools (redis-cli, a MONITOR trace) see: one stream per turn, entry IDs that are
// the sequence numbers, the default retention, and Expire's ttl replacing it.
func TestStreamBusRedisKeys(t *testing.T) {
	t.Parallel()
	c := streamRedis(t, 4)
	bus := newStreamBus(t, c)
	turn := domain.NewID(time.Now())
	key := "companionhub:turn:" + turn.String() + ":events"
	for range 2 {
		_, err := bus.Publish(t.Context(), turn, 3, chat.EventToken, []byte(`{"text":"hi"}`))
		require.NoError(t, err)
	}
	entries, err := c.XRange(t.Context(), key, "-", "+").Result()
	require.NoError(t, err)
	require.Len(t, entries, 2)
	assert.Equal(t, "1-0", entries[0].ID)
	assert.Equal(t, "2-0", entries[1].ID)
	assert.Equal(t, map[string]any{"a": "3", "t": "token", "d": `{"text":"hi"}`}, entries[1].Values)

	seq, err := bus.Last(t.Context(), turn)
	require.NoError(t, err)
	assert.Equal(t, int64(2), seq, "Last is the last entry's ID")

	ttl := c.PTTL(t.Context(), key).Val()
	assert.Greater(t, ttl, stream.DefaultRetention-time.Minute)
	assert.LessOrEqual(t, ttl, stream.DefaultRetention)
	require.NoError(t, bus.Expire(t.Context(), turn, time.Minute))
	ttl = c.PTTL(t.Context(), key).Val()
	assert.Greater(t, ttl, 50*time.Second)
	assert.LessOrEqual(t, ttl, time.Minute)
}

// Redis forgets scripts on restart or SCRIPT FLUSH; the bus loads the script again.
func TestStreamBusRedisSurvivesScriptFlush(t *testing.T) {
	t.Parallel()
	c := streamRedis(t, 4)
	bus := newStreamBus(t, c)
	turn := domain.NewID(time.Now())
	_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	require.NoError(t, err)
	require.NoError(t, c.ScriptFlush(t.Context()).Err())
	seq, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	require.NoError(t, err)
	assert.Equal(t, int64(2), seq)
}

// A subscription that ended gives its connection back to the pool: on a pool of two, subscribing
// and cancelling many times in a row still leaves room to publish.
func TestStreamBusRedisEndedSubscriptionsReleaseConnections(t *testing.T) {
	t.Parallel()
	c := streamRedis(t, 2)
	bus := newStreamBus(t, c)
	for i := range 4 {
		// A turn of its own each time, so that no publish wakes the ended subscriptions' readers.
		turn := domain.NewID(time.Now())
		ctx, cancel := context.WithCancel(t.Context())
		sub, err := bus.Subscribe(ctx, turn, 0)
		require.NoError(t, err, "subscription %d", i)
		seq, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
		require.NoError(t, err, "publish %d", i)
		e := awaittest.Next(t, sub, "the event published")
		assert.Equal(t, int64(1), e.Seq)
		assert.Equal(t, int64(1), seq)
		cancel()
		awaittest.Ended(t, sub, "a cancelled subscription")
	}
}

// A closed bus refuses new work while its server is fine.
func TestStreamBusRedisClose(t *testing.T) {
	t.Parallel()
	bus := redis.NewStreamBus(streamRedis(t, 4))
	turn := domain.NewID(time.Now())
	_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	require.NoError(t, err)
	require.NoError(t, bus.Close())

	_, err = bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	_, err = bus.Subscribe(t.Context(), turn, 0)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	_, err = bus.Last(t.Context(), turn)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	require.NoError(t, bus.Close(), "a second Close is harmless")
}

func TestStreamBusRedisDownIsUnavailable(t *testing.T) {
	t.Parallel()
	c := goredis.NewClient(&goredis.Options{Addr: deadAddr(t), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = c.Close() })
	bus := newStreamBus(t, c)
	turn := domain.NewID(time.Now())

	_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	_, err = bus.Subscribe(t.Context(), turn, 0)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(bus.Expire(t.Context(), turn, time.Minute)))
	_, err = bus.Last(t.Context(), turn)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
}

// BenchmarkStreamBusRedis compares publishing with the cheapest round trip to the same server.
func BenchmarkStreamBusRedis(b *testing.B) {
	c := streamRedis(b, 64)
	bus := newStreamBus(b, c)
	b.Run("publish", func(b *testing.B) { streamtest.BenchmarkPublish(b, bus) })
	b.Run("publish-parallel", func(b *testing.B) { streamtest.BenchmarkPublishParallel(b, bus) })
	b.Run("deliver", func(b *testing.B) { streamtest.BenchmarkDeliver(b, bus) })
	b.Run("baseline-ping", func(b *testing.B) {
		for b.Loop() {
			if err := c.Ping(b.Context()).Err(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
