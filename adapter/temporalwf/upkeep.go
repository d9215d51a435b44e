package temporalwf

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// Upkeep is what the servers' safety net for turns on Temporal works with.
type Upkeep struct {
	// Reap finishes the turns whose lease lapsed, but those skip says are still held (chat's
	// Steps.Reap).
	Reap func(ctx context.Context, limit int, skip func(domain.ID) bool) (int, error)
	// Leases renews the lease of a turn Temporal still runs.
	Leases chat.TurnRepository
	Clock  usecase.Clock
	Log    *zap.Logger
	// Every is how often lapsed leases are looked for; LeaseTTL how long a renewal vouches.
	Every    time.Duration
	LeaseTTL time.Duration
}

// defaultUpkeepEvery is how often lapsed leases are looked for when Upkeep does not say.
const defaultUpkeepEvery = 30 * time.Second

// ServerRunner is the Runner of a serving process when turns run on Temporal: it starts turns as
// workflows, which workers run and Temporal keeps going through crashes, and its upkeep (Run) is
// the safety net for what Temporal cannot see: a turn whose workflow ended without recording it
// (terminated by an operator, or never started) is finished — completed if its reply was saved,
// failed as interrupted otherwise. Turns whose workflow runs get their lease renewed, so each is
// asked about once per lease.
type ServerRunner struct {
	*Runner
	up Upkeep
}

// NewServerRunner returns the runner of a serving process.
func NewServerRunner(c client.Client, cfg Config, up Upkeep) *ServerRunner {
	if up.Log == nil {
		up.Log = zap.NewNop()
	}
	if up.Every <= 0 {
		up.Every = defaultUpkeepEvery
	}
	return &ServerRunner{Runner: NewRunner(c, cfg), up: up}
}

// Run does the upkeep until ctx ends.
func (r *ServerRunner) Run(ctx context.Context) error {
	t := time.NewTicker(r.up.Every)
	defer t.Stop()
	for {
		if _, err := r.up.Reap(ctx, 0, func(id domain.ID) bool { return r.alive(ctx, id) }); err != nil && ctx.Err() == nil {
			r.up.Log.Warn("reaping turns whose workflow ended failed", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// alive says whether a turn whose lease ran out is still in Temporal's hands (renewing its lease
// if so); when Temporal cannot say, it is left alone.
func (r *ServerRunner) alive(ctx context.Context, id domain.ID) bool {
	running, err := r.Running(ctx, id)
	switch {
	case err != nil:
		return true
	case running:
		if _, err := r.up.Leases.Renew(ctx, []domain.ID{id}, r.up.Clock.Now().Add(r.up.LeaseTTL)); err != nil {
			r.up.Log.Warn("renew the lease of a running turn", zap.String(logkey.TurnID, id.String()), zap.Error(err))
		}
		return true
	}
	return false
}

// Shutdown has nothing to wait for: the turns run on workers.
func (*ServerRunner) Shutdown(context.Context) error { return nil }
