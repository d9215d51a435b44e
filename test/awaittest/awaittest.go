// Package awaittest bounds a test's waits for what the code under test must do, so that broken
// code fails the test, saying what never came, instead of hanging the run until go test's own
// timeout kills it with nothing but goroutine dumps.
package awaittest

import (
	"testing"
	"time"
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
