package companionhub

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase"
)

// What an embedder brings is not checked nor opened by the batteries: the settings that would
// choose Redis or a memory bus are not the ones in use.
func TestBatteriesLeaveTheGivenPortsAlone(t *testing.T) {
	t.Parallel()
	bus, limiter := memory.NewStreamBus(usecase.SystemClock{}), memory.NewRateLimiter(usecase.SystemClock{})
	t.Cleanup(func() { _ = bus.Close() })
	cfg := DefaultConfig()
	cfg.TurnRunner, cfg.RateLimitStore = "temporal", "redis"

	for _, r := range []role{serving, working} {
		require.ElementsMatch(t, []string{"RateLimitStore", "StreamBus"}, FieldPaths(cfg.check(nil, r)))
		require.NoError(t, cfg.check([]Option{WithStreamBus(bus), WithRateLimiter(limiter)}, r))
	}

	// Nothing is dialled for a port that was given: the Redis and S3 settings point nowhere.
	cfg.TurnRunner, cfg.StreamBus = "local", "redis"
	cfg.Redis.URL = secret.String("redis://127.0.0.1:1")
	cfg.Blobs.URL = secret.String("s3://bucket?endpoint=http://127.0.0.1:1")
	given := core.Brought{StreamBus: true, RateLimiter: true, BlobStore: true}
	b, cleanup, err := provideStreamBus(context.Background(), cfg, given)
	require.NoError(t, err)
	cleanup()
	assert.Nil(t, b)
	assert.Nil(t, provideLimiter(cfg, nil, given))
	blobs, cleanup, err := provideBlobs(context.Background(), cfg, given)
	require.NoError(t, err)
	cleanup()
	assert.Nil(t, blobs)
}

// FieldPaths lists the paths of the field errors in err (joined or wrapped), sorted: for the tests
// of both test packages.
func FieldPaths(err error) []string {
	var paths []string
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		if fe, ok := errors.AsType[*envflag.FieldError](err); ok {
			paths = append(paths, fe.Path)
		}
	}
	if err != nil {
		walk(err)
	}
	slices.Sort(paths)
	return paths
}
