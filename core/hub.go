package core

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/httpapi"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/envflag"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/logkey"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Hub is a running Companion Hub: its use cases and its HTTP surface.
type Hub struct {
	// Accounts are the account use cases (register, login, sessions…), for embedders and tools.
	Accounts *accountuc.App
	// Companions are the companion use cases (profiles, header images, character cards).
	Companions *companionuc.App
	// Media are the stored-file use cases (serving, orphan cleanup).
	Media *mediauc.App
	// Chat are the chat use cases (send, follow a turn, history, regenerate, edit).
	Chat *chatuc.App
	// Pictures, Voice and Memory are the features a turn calls.
	Pictures *picture.App
	Voice    *voice.App
	Memory   *memoryuc.App

	cfg    Config
	log    *zap.Logger
	http   *httpapi.Server
	runner Runner
	closing
}

// apps are the use cases a hub serves.
type apps struct {
	accounts   *accountuc.App
	companions *companionuc.App
	media      *mediauc.App
	chat       *chatuc.App
	pictures   *picture.App
	voice      *voice.App
	memory     *memoryuc.App
}

func newHub(cfg Config, log *zap.Logger, a apps, runner Runner, srv *httpapi.Server) *Hub {
	return &Hub{cfg: cfg, log: log, Accounts: a.accounts, Companions: a.companions, Media: a.media, Chat: a.chat,
		Pictures: a.pictures, Voice: a.voice, Memory: a.memory, runner: runner, http: srv}
}

// New validates cfg and builds a hub: it opens (and, per AutoMigrate, migrates) the database,
// connects the configured stores, opens the backends the feature settings choose — or uses the
// ports opts bring — and wires every use case. Close releases what it opened.
func New(ctx context.Context, cfg Config, log *zap.Logger, opts ...Option) (*Hub, error) {
	return build(ctx, cfg, log, opts, initHub)
}

// Handler is the hub's whole HTTP surface.
func (h *Hub) Handler() http.Handler { return h.http.Handler() }

// Close stops the turns still running (letting them finish for the runner's grace period, then
// recording them as interrupted) and releases the database and other connections. It is safe to
// call more than once.
func (h *Hub) Close() {
	h.close(func() {
		if err := shutdownRunner(h.runner, runnerWait(h.cfg)); err != nil {
			h.log.Warn("turns still running at close", zap.Error(err))
		}
	})
}

// Run serves HTTP on the configured address until ctx ends, then shuts down gracefully: it stops
// accepting connections and waits (up to the shutdown timeout) for requests in flight.
func (h *Hub) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", h.cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", h.cfg.HTTP.Addr, err)
	}
	return h.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened (tests use port 0). Alongside HTTP it runs the turn
// runner's upkeep (leases, abandoned turns). At shutdown both stop together: HTTP takes no more
// requests and ends event streams (their clients reconnect elsewhere and resume), while running
// turns get the runner's grace period to finish before they are recorded as interrupted.
func (h *Hub) Serve(ctx context.Context, ln net.Listener) error {
	rctx, stopRunner := context.WithCancel(context.WithoutCancel(ctx))
	runnerDone := make(chan error, 1)
	go func() { runnerDone <- h.runner.Run(rctx) }()
	defer func() {
		stopRunner()
		h.awaitRunner(runnerDone)
	}()
	srv := h.http.HTTPServer()
	srv.ErrorLog = zaplog.NewStdLogger(h.log)
	srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	srv.RegisterOnShutdown(h.http.Drain)
	mctx, stopMaintenance := context.WithCancel(ctx)
	maintained := make(chan struct{})
	go func() {
		defer close(maintained)
		h.maintain(mctx)
	}()
	defer func() {
		stopMaintenance()
		<-maintained
	}()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	h.log.Info("serving", zap.String(logkey.Addr, ln.Addr().String()))

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	h.log.Info("shutting down")
	stopRunner() // the grace period of running turns starts now, alongside the HTTP shutdown
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.http.ShutdownTimeout())
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func (h *Hub) awaitRunner(done <-chan error) {
	t := time.NewTimer(runnerWait(h.cfg))
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			h.log.Warn("turn runner stopped uncleanly", zap.Error(err))
		}
	case <-t.C:
		h.log.Warn("turn runner still recording outcomes at shutdown; their leases will lapse")
	}
}

// maintenanceInterval is how often expired sessions and stale lockouts are purged.
const maintenanceInterval = time.Hour

// maintain purges expired account state periodically until ctx ends. Every replica may run it: the
// deletes are idempotent.
func (h *Hub) maintain(ctx context.Context) {
	t := time.NewTicker(maintenanceInterval)
	defer t.Stop()
	for {
		if res, err := h.Accounts.Purge.Handle(ctx, accountuc.Purge{}); err == nil && res.Sessions+res.Lockouts > 0 {
			h.log.Info("purged expired account state", zap.Int(logkey.Count, res.Sessions+res.Lockouts))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// OpenDatabase opens the configured database without migrating it, for the migrate command and for
// tools. The caller closes it.
func OpenDatabase(ctx context.Context, cfg Config) (*sqlstore.DB, error) {
	if err := envflag.Within("Database", cfg.DatabaseConfig().Validate()); err != nil {
		return nil, err
	}
	return sqlstore.Open(ctx, cfg.DatabaseConfig())
}
