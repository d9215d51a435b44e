package core

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/httpapi"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// Engine is what runs turns without serving anyone: the pipeline's steps over the same database,
// stream bus, model and features as the servers — what a Temporal worker executes (see the
// companionhub package's Worker).
type Engine struct {
	// Steps are the pipeline's steps, for an executor to register.
	Steps *chatuc.Steps
	// Checkers are the dependencies a worker's /readyz checks.
	Checkers []httpapi.Checker
	// Registry holds the engine's metrics.
	Registry *prometheus.Registry

	closing
}

func newEngine(steps *chatuc.Steps, checkers []httpapi.Checker, reg *prometheus.Registry) *Engine {
	return &Engine{Steps: steps, Checkers: checkers, Registry: reg}
}

// NewEngine validates cfg and builds an engine as New builds a hub. Close releases it.
func NewEngine(ctx context.Context, cfg Config, log *zap.Logger, opts ...Option) (*Engine, error) {
	return build(ctx, cfg, log, opts, initEngine)
}

// Close releases the engine's connections. It is safe to call more than once.
func (e *Engine) Close() {
	e.close(nil)
}
