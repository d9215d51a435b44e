package companionhub

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/httpapi"
	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// Worker runs the chat turns of hubs whose turns run on Temporal (TURN_RUNNER=temporal): it
// executes the turn workflows and their steps, against the same database, stream bus and model
// settings as the servers, and the firings of companions' schedules, which are Temporal
// Schedules on that profile. Run as many as the load needs; a worker that dies mid-turn loses
// nothing, another one carries the turn on.
type Worker struct {
	cfg    Config
	log    *zap.Logger
	w      worker.Worker
	ops    http.Handler
	engine *core.Engine
	once   sync.Once
}

// NewWorker validates cfg and builds a worker: it connects Temporal and the infrastructure the
// configuration names, then builds the core's engine (database — migrated as New does — stream
// bus, model, features) over them. Close releases them.
func NewWorker(ctx context.Context, cfg Config, log *zap.Logger, opts ...Option) (*Worker, error) {
	b, coreOpts, err := prepare(ctx, cfg, log, working, opts)
	if err != nil {
		return nil, err
	}
	e, err := core.NewEngine(ctx, cfg.Config, log, coreOpts...)
	if err != nil {
		return nil, err
	}
	// Stopping lets running steps finish for the runner's grace period (TURN_SHUTDOWN_GRACE);
	// Temporal retries the others on another worker.
	w := temporalwf.NewWorker(b.temporal, cfg.Temporal, e.Steps.Table(), temporalwf.WorkerOptions{
		StopTimeout:  cfg.Runner.WithDefaults().ShutdownGrace,
		MaxHeartbeat: cfg.Temporal.MaxHeartbeat,
		BackoffScale: cfg.Runner.BackoffScale,
	})
	temporalwf.RegisterSchedules(w, e.Fire)
	return &Worker{cfg: cfg, log: log, w: w, engine: e, ops: httpapi.OpsHandler(e.Checkers, e.Registry, log)}, nil
}

// Run executes turns until ctx ends, then stops taking new ones and lets running steps finish
// (up to the grace period) before it returns. With WorkerHTTPAddr set it serves /healthz, /readyz
// and /metrics meanwhile.
func (w *Worker) Run(ctx context.Context) error {
	if w.cfg.WorkerHTTPAddr != "" {
		ln, err := net.Listen("tcp", w.cfg.WorkerHTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", w.cfg.WorkerHTTPAddr, err)
		}
		srv := &http.Server{Handler: w.ops, ReadHeaderTimeout: 5 * time.Second, ErrorLog: zaplog.NewStdLogger(w.log)}
		go func() { _ = srv.Serve(ln) }()
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		}()
		w.log.Info("worker serving health and metrics", zap.String(logkey.Addr, ln.Addr().String()))
	}
	if err := w.w.Start(); err != nil {
		return fmt.Errorf("start the Temporal worker: %w", err)
	}
	// Every stored schedule is a Temporal schedule: those created while the hub ran its schedules
	// in-process, or whose creation in Temporal failed, become one now.
	w.engine.ResyncSchedules(ctx)
	w.log.Info("worker running", zap.String(logkey.Component, w.cfg.Temporal.Address),
		zap.String(logkey.TaskQueue, w.cfg.Temporal.TaskQueue))
	<-ctx.Done()
	w.log.Info("worker stopping")
	w.w.Stop()
	return nil
}

// Close releases the worker's connections. It is safe to call more than once.
func (w *Worker) Close() { w.once.Do(w.engine.Close) }
