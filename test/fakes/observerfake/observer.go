// Package observerfake holds a decorator.Observer for tests that check what the decorated use cases
// report.
package observerfake

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/companionhub/companionhub/usecase/decorator"
)

// Observer keeps the use-case names it hears of, with their errors, in order.
type Observer struct {
	mu    sync.Mutex
	names []string
	errs  []error
}

var _ decorator.Observer = (*Observer)(nil)

func (o *Observer) Observe(_ context.Context, useCase string, _ time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.names = append(o.names, useCase)
	o.errs = append(o.errs, err)
}

// Calls is how many calls it heard of.
func (o *Observer) Calls() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.names)
}

// Names are the use cases it heard of, one per call.
func (o *Observer) Names() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.names)
}

// Errs are the calls' errors, one per call (nil for a success).
func (o *Observer) Errs() []error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.errs)
}
