package core

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/httpapi"
	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/envflag"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/apitoken"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/logkey"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/proactive"
	roomuc "github.com/companionhub/companionhub/usecase/room"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/userdata"
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
	// Community is sharing companions: publish, browse, rate, clone, report.
	Community *community.App
	// Proactive is companions that write first: schedules, their runs, and what a firing does.
	Proactive *proactive.App
	// Tokens are personal access tokens: made, listed, revoked, and resolved from a secret.
	Tokens *apitoken.App
	// UserData is what a person may ask of all their data: erasing it.
	UserData *userdata.App
	// Usage is what providers did for whom: reports, quotas.
	Usage *usage.App
	// Rooms are group chats: rooms, their people and companions, invitations.
	Rooms *roomuc.App

	cfg    Config
	log    *zap.Logger
	http   *httpapi.Server
	runner Runner
	// scheduler is the in-process scheduler the hub runs while it serves (nil: another one fires
	// the schedules).
	scheduler *local.Scheduler
	// sweeping is set while an orphan sweep runs (sweepOrphans).
	sweeping atomic.Bool
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
	community  *community.App
	scheduling scheduling
	tokens     *apitoken.App
	userData   *userdata.App
	usage      *usage.App
	rooms      *roomuc.App
}

func newHub(cfg Config, log *zap.Logger, a apps, runner Runner, srv *httpapi.Server) *Hub {
	return &Hub{cfg: cfg, log: log, Accounts: a.accounts, Companions: a.companions, Media: a.media, Chat: a.chat,
		Pictures: a.pictures, Voice: a.voice, Memory: a.memory, Community: a.community, Proactive: a.scheduling.app, Tokens: a.tokens, UserData: a.userData, Usage: a.usage, Rooms: a.rooms, scheduler: a.scheduling.local,
		runner: runner, http: srv}
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

// Run serves HTTP on the configured addresses (Listen) until ctx ends, then shuts down gracefully:
// it stops accepting connections and waits (up to the shutdown timeout) for requests in flight.
// A caller that wants a taken port to stop start-up before New opens the database calls Listen
// first and ServeListeners, as `companionhub serve` does.
func (h *Hub) Run(ctx context.Context) error {
	l, err := Listen(h.cfg)
	if err != nil {
		return err
	}
	return h.ServeListeners(ctx, l)
}

// Serve is Run on a listener the caller opened for the API (tests use port 0); /metrics, when
// Metrics.Addr is set, is served on a listener Serve opens.
func (h *Hub) Serve(ctx context.Context, ln net.Listener) error {
	return h.ServeListeners(ctx, Listeners{HTTP: ln})
}

// ServeListeners is Run on listeners the caller opened (Listen). Alongside HTTP it runs the turn
// runner's upkeep (leases, abandoned turns), the in-process scheduler and the clean-ups (expired
// account state; orphaned files, every Config.OrphanSweepEvery). At shutdown HTTP and the runner
// stop together: HTTP takes no more requests and ends event streams (their clients reconnect
// elsewhere and resume), while running turns get the runner's grace period to finish before they
// are recorded as interrupted.
func (h *Hub) ServeListeners(ctx context.Context, l Listeners) error {
	servers, err := h.servers(&l)
	if err != nil {
		return err
	}
	rctx, stopRunner := context.WithCancel(context.WithoutCancel(ctx))
	runnerDone := make(chan error, 1)
	go func() { runnerDone <- h.runner.Run(rctx) }()
	defer func() {
		stopRunner()
		h.awaitRunner(runnerDone)
	}()
	mctx, stopMaintenance := context.WithCancel(ctx)
	maintained := make(chan struct{})
	go func() {
		defer close(maintained)
		h.maintain(mctx)
	}()
	swept := make(chan struct{})
	go func() {
		defer close(swept)
		h.sweepOrphans(mctx, h.cfg.OrphanSweepEvery)
	}()
	// Schedules fire from every replica's scheduler; the shared claim fires each occurrence once.
	// Another scheduler (WithScheduler) fires them elsewhere.
	scheduled := make(chan struct{})
	go func() {
		defer close(scheduled)
		if h.scheduler == nil {
			return
		}
		resyncSchedules(mctx, h.Proactive, h.log)
		_ = h.scheduler.Run(mctx)
	}()
	defer func() {
		stopMaintenance()
		<-maintained
		<-swept
		<-scheduled
	}()
	errc := make(chan error, len(servers))
	for _, s := range servers {
		s.srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
		go func() { errc <- s.srv.Serve(s.ln) }()
	}
	h.log.Info("serving", zap.String(logkey.Addr, l.HTTP.Addr().String()))
	if l.Metrics != nil {
		h.log.Info("serving metrics", zap.String(logkey.Addr, l.Metrics.Addr().String()))
	}

	var failed error
	select {
	case err := <-errc:
		failed = fmt.Errorf("serve: %w", err)
		h.log.Error("stopped serving", zap.Error(err))
	case <-ctx.Done():
		h.log.Info("shutting down")
	}
	stopRunner() // the grace period of running turns starts now, alongside the HTTP shutdown
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.http.ShutdownTimeout())
	defer cancel()
	var errs []error
	for _, s := range servers {
		if err := s.srv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
	}
	if failed != nil {
		return errors.Join(append([]error{failed}, errs...)...)
	}
	for range servers {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("serve: %w", err))
		}
	}
	return errors.Join(errs...)
}

// served is one HTTP server and the listener it serves on.
type served struct {
	srv *http.Server
	ln  net.Listener
}

// servers are the API's server on l.HTTP and, when Metrics.Addr is set, the metrics server on
// l.Metrics (opened here when the caller did not).
func (h *Hub) servers(l *Listeners) ([]served, error) {
	api := h.http.HTTPServer()
	api.ErrorLog = zaplog.NewStdLogger(h.log)
	api.RegisterOnShutdown(h.http.Drain)
	out := []served{{srv: api, ln: l.HTTP}}
	ms := h.http.MetricsHTTPServer()
	if ms == nil {
		if l.Metrics != nil {
			_ = l.Metrics.Close()
			l.Metrics = nil
		}
		return out, nil
	}
	if l.Metrics == nil {
		ln, err := listen(ms.Addr, EnvPrefix+"METRICS_ADDR")
		if err != nil {
			_ = l.HTTP.Close()
			return nil, err
		}
		l.Metrics = ln
	}
	ms.ErrorLog = api.ErrorLog
	return append(out, served{srv: ms, ln: l.Metrics}), nil
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

// orphanSweepDelay is the least time between a start and the hub's first orphan sweep; up to as
// much again is added at random, so that replicas started together do not sweep together, and a
// restart (or a crash loop) costs no sweep.
const orphanSweepDelay = 5 * time.Minute

// sweepOrphans deletes the stored files no row refers to and what crashes left of the store's own
// files, past the default grace, every period until ctx ends (never for a period of 0); the first
// time some minutes after start (at most a period). Every replica may run it: deletes are
// idempotent, and the grace keeps it off uploads in flight. A sweep never overlaps another of the
// same hub: the next is timed from the end of the last, and a hub served twice sweeps once.
func (h *Hub) sweepOrphans(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTimer(min(every, orphanSweepDelay+rand.N(orphanSweepDelay)))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if h.sweeping.CompareAndSwap(false, true) {
			// A failure is logged by the use case's decorator; what was deleted before it is told here.
			res, _ := h.Media.CleanupOrphans.Handle(ctx, mediauc.CleanupOrphans{Grace: mediauc.DefaultOrphanGrace})
			h.sweeping.Store(false)
			if res.Orphans+res.Leftovers > 0 {
				h.log.Info("swept stored files", zap.Int(logkey.Orphans, res.Orphans), zap.Int(logkey.Leftovers, res.Leftovers),
					zap.Int64(logkey.Bytes, res.Bytes+res.LeftoverBytes), zap.Duration(logkey.Duration, res.Duration))
			}
		}
		t.Reset(every)
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
