package streamtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

// The benchmarks are shared so that every adapter, and programs such as test/bench, measure the same
// work: token batches of a realistic size, on turns of realistic length.

// benchData is a token batch of the size the reply step publishes (about 64 bytes of text).
var benchData = []byte(`{"text":"The lantern light flickered as she leaned closer, smiling. "}`)

// turnLength is how many events a benchmark publishes to one turn before moving to the next: a long
// reply, and well under any per-turn cap. Finished turns are expired at once, as the pipeline does
// (with a longer ttl), so a long run does not measure a store swelling with old turns.
const turnLength = 1000

// BenchmarkPublish measures publishing one event at a time, and reports events/s.
func BenchmarkPublish(b *testing.B, bus stream.Bus) {
	ctx := context.Background()
	turn, n := newTurn(), 0
	for b.Loop() {
		if n == turnLength {
			expire(b, bus, turn)
			turn, n = newTurn(), 0
		}
		if _, err := bus.Publish(ctx, turn, 1, chat.EventToken, benchData); err != nil {
			b.Fatal(err)
		}
		n++
	}
	expire(b, bus, turn)
	reportRate(b, "events/s")
}

// BenchmarkPublishParallel publishes from GOMAXPROCS×parallelism goroutines, each to a turn of its
// own (concurrent turns, the common case; contention on one turn is the conformance suite's job).
func BenchmarkPublishParallel(b *testing.B, bus stream.Bus) {
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		turn, n := newTurn(), 0
		for pb.Next() {
			if n == turnLength {
				expire(b, bus, turn)
				turn, n = newTurn(), 0
			}
			if _, err := bus.Publish(ctx, turn, 1, chat.EventToken, benchData); err != nil {
				b.Error(err)
				return
			}
			n++
		}
		expire(b, bus, turn)
	})
	reportRate(b, "events/s")
}

// BenchmarkDeliver measures how long an event takes from the call to Publish until a subscriber
// holds it, one event in flight at a time; it reports the median and 99th percentile in
// microseconds besides the mean (ns/op).
func BenchmarkDeliver(b *testing.B, bus stream.Bus) {
	ctx := context.Background()
	var sub stream.Subscription
	var turn domain.ID
	n := turnLength
	latencies := make([]time.Duration, 0, 1024)
	defer func() {
		if sub != nil {
			sub.Close()
		}
	}()
	for b.Loop() {
		if n == turnLength {
			b.StopTimer()
			if sub != nil {
				sub.Close()
				expire(b, bus, turn)
			}
			turn, n = newTurn(), 0
			var err error
			if sub, err = bus.Subscribe(ctx, turn, 0); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		start := time.Now()
		seq, err := bus.Publish(ctx, turn, 1, chat.EventToken, benchData)
		if err != nil {
			b.Fatal(err)
		}
		e, err := receive(sub)
		if err != nil || e.Seq != seq {
			b.Fatalf("got %d, want %d: %v", e.Seq, seq, err)
		}
		latencies = append(latencies, time.Since(start))
		n++
	}
	expire(b, bus, turn)
	slices.Sort(latencies)
	percentile := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(percentile(0.50), "p50-µs")
	b.ReportMetric(percentile(0.99), "p99-µs")
}

func expire(b *testing.B, bus stream.Bus, turn domain.ID) {
	if err := bus.Expire(context.Background(), turn, 0); err != nil {
		b.Error(err)
	}
}

func reportRate(b *testing.B, unit string) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, unit)
	}
}
