package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/adapter/postgres"
	"github.com/companionhub/companionhub/adapter/redis"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/streamtest"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/stream"
)

// The stream section registers itself, so that adding it touched no other file.
func init() {
	sections = append(sections, section{name: "stream", unit: "event", run: runStream})
}

// runStream measures the stream bus per adapter: publishing one event (serially, and from parallel
// publishers on turns of their own) and delivering one (publish → a subscriber holds it, one in
// flight; its median and 99th percentile are in the row's name). For the shared stores the baseline
// is the cheapest request over the same client (SELECT 1, PING): the ratio reads as "an event costs
// this many round trips".
func runStream(ctx context.Context, opts options) ([]row, error) {
	mem := memory.NewStreamBus(usecase.SystemClock{})
	defer mem.Close()
	rows := streamRows("memory", mem, "", nil)

	var errs []error
	pg, err := benchStreamPostgres(ctx, opts.postgresURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("postgres: %w", err))
	}
	rd, err := benchStreamRedis(ctx, opts.redisURL)
	if err != nil {
		errs = append(errs, fmt.Errorf("redis: %w", err))
	}
	return append(append(rows, pg...), rd...), errors.Join(errs...)
}

func streamRows(name string, bus stream.Bus, baseline string, roundTrip func(context.Context) error) []row {
	publish := row{name: name + " publish", result: testing.Benchmark(func(b *testing.B) { streamtest.BenchmarkPublish(b, bus) })}
	parallel := row{name: name + " publish, parallel", result: testing.Benchmark(func(b *testing.B) { streamtest.BenchmarkPublishParallel(b, bus) })}
	deliver := testing.Benchmark(func(b *testing.B) { streamtest.BenchmarkDeliver(b, bus) })
	rows := []row{publish, parallel, {
		name:   fmt.Sprintf("%s deliver (p50 %.0fµs, p99 %.0fµs)", name, deliver.Extra["p50-µs"], deliver.Extra["p99-µs"]),
		result: deliver,
	}}
	if roundTrip != nil {
		serial := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				if err := roundTrip(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
		base := testing.Benchmark(func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := roundTrip(context.Background()); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		rows[0].baseline, rows[0].base = baseline, serial
		rows[1].baseline, rows[1].base = baseline+", parallel", base
		rows[2].baseline, rows[2].base = baseline, serial
	}
	return rows
}

func benchStreamPostgres(ctx context.Context, url string) ([]row, error) {
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
	bus := postgres.NewStreamBus(db.X, secret.String(url))
	defer bus.Close()
	if err := probeStream(ctx, bus); err != nil {
		return nil, err
	}
	selectOne := func(ctx context.Context) error {
		var one int
		return db.X.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	return streamRows("postgres", bus, "SELECT 1", selectOne), nil
}

func benchStreamRedis(ctx context.Context, url string) ([]row, error) {
	if url == "" {
		var err error
		if url, err = containers.StartRedis(ctx); err != nil {
			return nil, err
		}
	}
	opt, err := goredis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	c := goredis.NewClient(opt)
	defer c.Close()
	bus := redis.NewStreamBus(c)
	defer bus.Close()
	if err := probeStream(ctx, bus); err != nil {
		return nil, err
	}
	ping := func(ctx context.Context) error { return c.Ping(ctx).Err() }
	return streamRows("redis", bus, "PING", ping), nil
}

// probeStream publishes one event, so that a broken store is reported with its error instead of as
// a benchmark that silently measured nothing.
func probeStream(ctx context.Context, bus stream.Bus) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	turn := domain.NewID(time.Now())
	if _, err := bus.Publish(ctx, turn, 1, chat.EventProgress, []byte(`{"probe":true}`)); err != nil {
		return err
	}
	return bus.Expire(ctx, turn, 0)
}
