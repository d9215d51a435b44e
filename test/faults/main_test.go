// Package faults_test injects the faults real providers produce — rate limits with and without
// Retry-After, server errors, hangs, malformed and oversized answers, cut streams, wrong content
// types — into a chat assembled through the hub's own wiring, with the real adapters of the
// language model, pictures, speech and embeddings talking HTTP to the faithful fakes of their
// APIs, and checks what a person sees: a turn retries what may pass, with the backoff it must,
// and then completes or ends with a clean error; a failing picture, voice or memory never costs
// the reply; nothing is left half-written or running; and no goroutine is left behind.
package faults_test

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a goroutine outlives the tests: every hub, runner, fake and connection
// a test started must be gone once it ended.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		if migrated.dir != "" {
			_ = os.RemoveAll(migrated.dir)
		}
		os.Exit(code)
	}))
}
