package core

import (
	"context"
	"sync"
	"time"
)

// closing is what Hub, Engine and Chat release when they close, once: the cleanup build hands over.
type closing struct {
	cleanup func()
	once    sync.Once
}

func (c *closing) setCleanup(f func()) { c.cleanup = f }

// close runs first (when given), then the cleanup — the first time only.
func (c *closing) close(first func()) {
	c.once.Do(func() {
		if first != nil {
			first()
		}
		if c.cleanup != nil {
			c.cleanup()
		}
	})
}

// runnerRecordTime is how long, after its grace period, the runner gets to record the outcome of
// the turns it interrupted before the hub stops waiting (their leases then lapse, and the next
// runner to look records them).
const runnerRecordTime = 10 * time.Second

// runnerWait bounds how long stopping waits for the turn runner.
func runnerWait(cfg Config) time.Duration {
	return cfg.Runner.WithDefaults().ShutdownGrace + runnerRecordTime
}

// shutdownRunner stops r's turns, waiting for them at most wait.
func shutdownRunner(r Runner, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	return r.Shutdown(ctx)
}
