package core

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/httpapi"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// Engine is what runs turns without serving anyone: the pipeline's steps over the same database,
// stream bus, model and features as the servers, and what a schedule's firing does — what a
// Temporal worker executes (see the companionhub package's Worker).
type Engine struct {
	// Steps are the pipeline's steps, for an executor to register.
	Steps *chatuc.Steps
	// Proactive are the use cases of companions that write first: a worker runs their Fire at each
	// firing of the scheduler given with WithScheduler.
	Proactive *proactive.App
	// Checkers are the dependencies a worker's /readyz checks.
	Checkers []httpapi.Checker
	// Registry holds the engine's metrics.
	Registry *prometheus.Registry

	log *zap.Logger
	closing
}

func newEngine(steps *chatuc.Steps, s scheduling, checkers []httpapi.Checker, reg *prometheus.Registry, log *zap.Logger) *Engine {
	return &Engine{Steps: steps, Proactive: s.app, Checkers: checkers, Registry: reg, log: log}
}

// Fire is what a firing of a schedule does (the companion writes first, or the occurrence is
// skipped), as the scheduler's Handler.
func (e *Engine) Fire(ctx context.Context, f schedule.Firing) error {
	_, err := e.Proactive.Fire.Handle(ctx, f)
	return err
}

// ResyncSchedules puts every stored schedule into the scheduler given with WithScheduler, so that
// it fires the ones it lost or never had (a hub that moved to it). A worker calls it as it starts;
// failures are logged, and the next start tries again.
func (e *Engine) ResyncSchedules(ctx context.Context) { resyncSchedules(ctx, e.Proactive, e.log) }

// NewEngine validates cfg and builds an engine as New builds a hub. Close releases it.
func NewEngine(ctx context.Context, cfg Config, log *zap.Logger, opts ...Option) (*Engine, error) {
	return build(ctx, cfg, log, opts, initEngine)
}

// Close releases the engine's connections. It is safe to call more than once.
func (e *Engine) Close() {
	e.close(nil)
}
