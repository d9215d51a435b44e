package companionhub

import (
	"context"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/core"
)

// Hub is a running Companion Hub: its use cases and its HTTP surface (see core.Hub).
type Hub = core.Hub

// Listeners are the sockets a hub serves on (see core.Listeners).
type Listeners = core.Listeners

// Listen opens the addresses cfg names (the API's, and the metrics' when set), so that a taken port
// stops start-up before New creates or migrates a database; serve them with Hub.ServeListeners.
func Listen(cfg Config) (Listeners, error) { return core.Listen(cfg.Config) }

// Option changes how New builds a hub (see core.Option): WithModel, WithImageGenerator,
// WithSynthesizer, WithEmbedder, …
type Option = core.Option

// The options of core, for embedders of this package.
var (
	WithModel          = core.WithModel
	WithImageGenerator = core.WithImageGenerator
	WithSynthesizer    = core.WithSynthesizer
	WithEmbedder       = core.WithEmbedder
	WithStreamBus      = core.WithStreamBus
	WithRateLimiter    = core.WithRateLimiter
	WithBlobStore      = core.WithBlobStore
	WithReadinessCheck = core.WithReadinessCheck
	WithHTTPClient     = core.WithHTTPClient
	WithClock          = core.WithClock
	WithOnClose        = core.WithOnClose
	// WithTracerProvider traces the hub, and the Temporal workflows it starts, with an embedder's
	// provider instead of the one the OTEL_* variables would open.
	WithTracerProvider = core.WithTracerProvider
)

// New validates cfg and builds a hub: it connects the infrastructure the configuration names
// (Redis, Temporal, S3), then builds the core over it — opening (and, per AutoMigrate, migrating)
// the database and the backends the feature settings choose, unless opts bring ports of their
// own. Close releases everything.
func New(ctx context.Context, cfg Config, log *zap.Logger, opts ...Option) (*Hub, error) {
	_, coreOpts, err := prepare(ctx, cfg, log, serving, opts)
	if err != nil {
		return nil, err
	}
	return core.New(ctx, cfg.Config, log, coreOpts...)
}

// prepare checks cfg for a process in role r and opens the batteries it names; it returns them
// and the options that hand them to the core (whose Close releases them), or, failing, has
// released what opts handed over.
func prepare(ctx context.Context, cfg Config, log *zap.Logger, r role, opts []Option) (*batteries, []Option, error) {
	if err := cfg.check(opts, r); err != nil {
		core.Release(opts...)
		return nil, nil, err
	}
	b, cleanup, err := initBatteries(ctx, cfg, log, r, core.Brings(opts...))
	if err != nil {
		core.Release(opts...)
		return nil, nil, err
	}
	return b, append(b.options(core.WithOnClose(cleanup)), opts...), nil
}

// OpenDatabase opens the configured database without migrating it, for the migrate command and
// for tools. The caller closes it.
func OpenDatabase(ctx context.Context, cfg Config) (*sqlstore.DB, error) {
	return core.OpenDatabase(ctx, cfg.Config)
}
