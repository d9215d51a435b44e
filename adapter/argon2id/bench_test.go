package argon2id

import (
	"context"
	"testing"
	"time"
)

// BenchmarkHash measures one hash at the default (OWASP) parameters: the latency every login and
// registration pays, and the CPU time one hashing slot is busy for.
func BenchmarkHash(b *testing.B) {
	h := New(DefaultConfig())
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/float64(b.N), "ms/op")
}
