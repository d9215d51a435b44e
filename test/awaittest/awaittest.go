// Package awaittest bounds a test's waits for what the code under test must do, so that broken
// code fails the test, saying what never came, instead of hanging the run until go test's own
// timeout kills it with nothing but goroutine dumps.
package awaittest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Patience bounds every such wait. It is generous because the machines running the suite are
// shared and loaded (-race, two cores, containers); only broken code ever reaches it, so a passing
// test never waits for it.
const Patience = 30 * time.Second

// Recv returns the next value ch yields, or its zero value once ch is closed, failing tb if
// neither happens within Patience. what names the awaited value in the failure. Like every
// FailNow, call it on the test's goroutine.
func Recv[T any](tb testing.TB, ch <-chan T, what string) T {
	tb.Helper()
	timer := time.NewTimer(Patience)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		tb.Fatalf("%s did not come within %s", what, Patience)
		var zero T
		return zero
	}
}

// Closed waits for ch to be closed, discarding what it still yields, and returns how many values
// that was; it fails tb if ch is not closed within Patience.
func Closed[T any](tb testing.TB, ch <-chan T, what string) int {
	tb.Helper()
	timer := time.NewTimer(Patience)
	defer timer.Stop()
	for n := 0; ; n++ {
		select {
		case _, ok := <-ch:
			if !ok {
				return n
			}
		case <-timer.C:
			tb.Fatalf("%s was not closed within %s (%d values drained)", what, Patience, n)
		}
	}
}

// Next returns sub's next event, failing tb if the subscription ends first or nothing comes within
// Patience. what names the awaited event in the failure.
func Next(tb testing.TB, sub stream.Subscription, what string) chat.Event {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Patience)
	defer cancel()
	e, err := sub.Next(ctx)
	if err != nil {
		tb.Fatalf("%s did not come within %s: %v", what, Patience, err)
	}
	return e
}

// Ended waits for sub to end — stream.ErrEnded, not a failure — discarding the events it still
// yields, and returns how many that was; it fails tb if sub does not end within Patience or fails.
func Ended(tb testing.TB, sub stream.Subscription, what string) int {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Patience)
	defer cancel()
	for n := 0; ; n++ {
		_, err := sub.Next(ctx)
		switch {
		case err == nil:
		case errors.Is(err, stream.ErrEnded):
			return n
		default:
			tb.Fatalf("%s did not end within %s (%d events drained): %v", what, Patience, n, err)
		}
	}
}
