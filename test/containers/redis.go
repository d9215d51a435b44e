package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/testcontainers/testcontainers-go"
)

const redisPort = "6379/tcp"

var redis lazy[string]

// StartRedis starts the shared Redis container if it is not running yet and returns its URL. It is
// for programs (benchmarks); tests use RedisURL. Call Stop (or end the tests through Main) to remove
// the container.
func StartRedis(ctx context.Context) (string, error) {
	disableRyuk()
	return redis.get(ctx, startRedis)
}

// RedisURL returns the URL of the Redis server shared by every test of the process. Tests isolate
// their data by key (see UniqueKey), never by flushing, because they run in parallel.
func RedisURL(t testing.TB) string {
	t.Helper()
	RequireDocker(t)
	requireMain(t)
	u, err := redis.get(context.Background(), startRedis)
	if err != nil {
		t.Fatalf("containers: %v", err)
	}
	return u
}

var (
	keySeq atomic.Int64
	// keyRun tells apart processes that share one server (a Redis given by URL, -count, reruns).
	keyRun = func() string {
		b := make([]byte, 4)
		_, _ = rand.Read(b)
		return hex.EncodeToString(b)
	}()
)

// UniqueKey returns a key no other test (in this process or another) uses, readable in a MONITOR
// trace: "test:<run>:<seq>:<test name>[:parts…]". It stays well under the 200-byte limit of the
// rate limiter's keys as long as parts do.
func UniqueKey(t testing.TB, parts ...string) string {
	t.Helper()
	k := "test:" + keyRun + ":" + strconv.FormatInt(keySeq.Add(1), 10) + ":" + truncate(sanitize(t.Name()), 60)
	if len(parts) > 0 {
		k += ":" + strings.Join(parts, ":")
	}
	return k
}

func startRedis(ctx context.Context) (string, func(context.Context) error, error) {
	image := RedisImage()
	if err := checkImage(ctx, image); err != nil {
		return "", nil, err
	}
	ready := &probe{name: "redis", port: redisPort, timeout: startTimeout, check: pingRedis}
	c, err := testcontainers.Run(ctx, image,
		testcontainers.WithExposedPorts(redisPort),
		testcontainers.WithLabels(label),
		testcontainers.WithWaitStrategy(ready),
	)
	if err != nil {
		return "", nil, fmt.Errorf("start redis (%s): %w", image, errors.Join(err, terminate(context.WithoutCancel(ctx), c)))
	}
	stop := func(ctx context.Context) error { return terminate(ctx, c) }
	return "redis://" + ready.addr + "/0", stop, nil
}

func pingRedis(ctx context.Context, addr string) error {
	c := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second,
		ReadTimeout: time.Second, PoolSize: 1})
	defer c.Close()
	return c.Ping(ctx).Err()
}
