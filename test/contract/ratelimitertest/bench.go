package ratelimitertest

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// The benchmarks are shared so that every adapter, and cmd-less programs such as test/bench, measure
// the same work; a decision's cost is only meaningful next to a bare round trip to the same store
// (BenchmarkRoundTrip), measured in the same run.

// benchKeys is how many keys the allowed path cycles through: enough that one hot row or key does
// not decide the result, few enough to stay in every store's cache.
const benchKeys = 1024

// benchLimit never denies within a benchmark (a million requests per key and hour), so every
// decision takes the path that writes.
var benchLimit = ratelimit.Limit{Count: 1_000_000, Period: time.Hour}

func benchKeyNames() []string {
	keys := make([]string, benchKeys)
	prefix := "bench:" + keyRun + ":" + strconv.FormatInt(keySeq.Add(1), 10) + ":"
	for i := range keys {
		keys[i] = prefix + strconv.Itoa(i)
	}
	return keys
}

// BenchmarkAllow measures allowed decisions, one after another, and reports decisions/s.
func BenchmarkAllow(b *testing.B, l ratelimit.Limiter) {
	keys := benchKeyNames()
	ctx := context.Background()
	i := 0
	for b.Loop() {
		d, err := l.Allow(ctx, keys[i%benchKeys], benchLimit)
		if err != nil || !d.Allowed {
			b.Fatalf("decision %d: %+v, %v", i, d, err)
		}
		i++
	}
	reportRate(b, "decisions/s")
}

// BenchmarkAllowParallel is BenchmarkAllow from GOMAXPROCS×parallelism goroutines
// (b.SetParallelism), which is what sharding and connection pools are for.
func BenchmarkAllowParallel(b *testing.B, l ratelimit.Limiter) {
	keys := benchKeyNames()
	var goroutine atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		// Each goroutine walks the keys from its own offset: a shared counter would make every
		// decision contend on one cache line and measure that instead.
		i := int(goroutine.Add(1)) * 97
		for pb.Next() {
			i++
			d, err := l.Allow(ctx, keys[i%benchKeys], benchLimit)
			if err != nil || !d.Allowed {
				b.Errorf("decision %d: %+v, %v", i, d, err)
				return
			}
		}
	})
	reportRate(b, "decisions/s")
}

// BenchmarkDeny measures denied decisions on one exhausted key: the path that counts nothing.
func BenchmarkDeny(b *testing.B, l ratelimit.Limiter) {
	ctx := context.Background()
	k, limit := "bench:"+keyRun+":"+strconv.FormatInt(keySeq.Add(1), 10)+":deny", ratelimit.Limit{Count: 1, Period: time.Hour}
	if _, err := l.Allow(ctx, k, limit); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		d, err := l.Allow(ctx, k, limit)
		if err != nil || d.Allowed {
			b.Fatalf("%+v, %v", d, err)
		}
	}
	reportRate(b, "decisions/s")
}

// BenchmarkRoundTrip measures the baseline: the cheapest request to the store (SELECT 1, PING).
func BenchmarkRoundTrip(b *testing.B, roundTrip func(context.Context) error) {
	ctx := context.Background()
	for b.Loop() {
		if err := roundTrip(ctx); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, "round-trips/s")
}

// BenchmarkRoundTripParallel is the baseline of BenchmarkAllowParallel.
func BenchmarkRoundTripParallel(b *testing.B, roundTrip func(context.Context) error) {
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			if err := roundTrip(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, "round-trips/s")
}

func reportRate(b *testing.B, unit string) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, unit)
	}
}
