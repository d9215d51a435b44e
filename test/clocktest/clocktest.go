// Package clocktest provides a clock that tests move by hand, for code that reads time through
// usecase.Clock.
package clocktest

import (
	"sync"
	"time"

	"github.com/companionhub/companionhub/usecase"
)

// Clock is a usecase.Clock that stands still until told to move. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

var _ usecase.Clock = (*Clock)(nil)

// New returns a clock showing start.
func New(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
