package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/adapter/postgres"
	"github.com/companionhub/companionhub/adapter/redis"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/ratelimitertest"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// runLimiter measures one rate-limit decision per adapter. For the shared stores the baseline is the
// cheapest request the store answers (SELECT 1, PING) over the same client, so the ratio reads as
// "a decision costs this many round trips".
func runLimiter(ctx context.Context, opts options) ([]row, error) {
	rows := limiterRows("memory", memory.NewRateLimiter(usecase.SystemClock{}), "", nil)

	var errs []error
	pg, err := benchPostgres(ctx, opts.postgresURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("postgres: %w", err))
	}
	rd, err := benchRedis(ctx, opts.redisURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("redis: %w", err))
	}
	return append(append(rows, pg...), rd...), errors.Join(errs...)
}

// limiterRows measures l's allowed path, serial and parallel, and its denied path. A failed check
// call first turns a store that is down into an error message rather than an empty result.
func limiterRows(name string, l ratelimit.Limiter, baseline string, roundTrip func(context.Context) error) []row {
	allow := row{name: name + " allow", result: testing.Benchmark(func(b *testing.B) { ratelimitertest.BenchmarkAllow(b, l) })}
	parallel := row{name: name + " allow, parallel", result: testing.Benchmark(func(b *testing.B) { ratelimitertest.BenchmarkAllowParallel(b, l) })}
	deny := row{name: name + " deny", result: testing.Benchmark(func(b *testing.B) { ratelimitertest.BenchmarkDeny(b, l) })}
	if roundTrip != nil {
		base := testing.Benchmark(func(b *testing.B) { ratelimitertest.BenchmarkRoundTrip(b, roundTrip) })
		baseParallel := testing.Benchmark(func(b *testing.B) { ratelimitertest.BenchmarkRoundTripParallel(b, roundTrip) })
		allow.baseline, allow.base = baseline, base
		deny.baseline, deny.base = baseline, base
		parallel.baseline, parallel.base = baseline+", parallel", baseParallel
	}
	return []row{allow, parallel, deny}
}

func benchPostgres(ctx context.Context, url string) ([]row, error) {
	if url == "" {
		dsn, drop, err := containers.CreateDatabase(ctx, "sqlstore", sqlstore.MigrateURL)
		if err != nil {
			return nil, err
		}
		defer func() { _ = drop(context.WithoutCancel(ctx)) }()
		url = dsn
	} else if err := sqlstore.MigrateURL(ctx, url); err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String(url), MaxOpenConns: 4 * runtime.GOMAXPROCS(0)})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	l := postgres.NewRateLimiter(db.X)
	defer l.Close()
	if err := probe(ctx, l); err != nil {
		return nil, err
	}
	selectOne := func(ctx context.Context) error {
		var one int
		return db.X.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	return limiterRows("postgres", l, "SELECT 1", selectOne), nil
}

func benchRedis(ctx context.Context, url string) ([]row, error) {
	if url == "" {
		var err error
		if url, err = containers.StartRedis(ctx); err != nil {
			return nil, err
		}
	}
	c, err := redis.Open(ctx, redis.Config{URL: secret.String(url)})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	l := redis.NewRateLimiter(c)
	if err := probe(ctx, l); err != nil {
		return nil, err
	}
	ping := func(ctx context.Context) error { return c.Ping(ctx).Err() }
	return limiterRows("redis", l, "PING", ping), nil
}

// probe makes one decision, so that a broken store is reported with its error instead of as a
// benchmark that silently measured nothing.
func probe(ctx context.Context, l ratelimit.Limiter) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	d, err := l.Allow(ctx, "bench:probe", ratelimit.Limit{Count: 1_000_000, Period: time.Hour})
	if err == nil && !d.Allowed {
		err = errors.New("the probe decision was denied")
	}
	return err
}
