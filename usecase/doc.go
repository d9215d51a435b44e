// Package usecase holds the application services of Companion Hub, one subpackage per area
// (account, …), and the ports those services consume. Use cases import domain and small utility
// libraries only: never an adapter, a SQL driver, net/http, Temporal or a provider SDK (an
// architecture test enforces this).
//
// This package itself holds what every area shares: the [Clock].
package usecase

import "time"

// Clock tells the time. Use cases never call time.Now directly, so tests can move time.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now().UTC() }
