// Package local runs chat turns inside the hub's own process: the embedded profile's orchestration,
// where adapter/temporalwf is the production one. Both run the same pipeline, chat.RunTurn; this
// package supplies its Executor (steps as plain calls with timeouts, retries and backoff) and a
// Runner (a bounded worker pool that keeps the leases of its turns alive, reaps the turns of
// processes that died, and stops gracefully).
//
// What it does not give is durability: a turn lives in this process's memory, so if the process
// dies its turns stop where they were. Leases make that visible rather than silent — the turn
// stays "running" only until its lease runs out, then the reaper (of this process after a
// restart, or of another replica) fails it as interrupted, and the person can send again.
package local

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/spans"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// Errors Start answers with.
var (
	// ErrBusy: every worker is busy and the queue is full. It carries a RetryAfter.
	ErrBusy = domain.E(domain.KindUnavailable, "runner_busy", "too many replies are being written right now; try again shortly")
	// ErrStopped: the runner is shutting down.
	ErrStopped = domain.E(domain.KindUnavailable, "runner_stopped", "the hub is restarting; try again shortly")
)

// busyRetryAfter is when a refused turn is worth trying again: a turn takes seconds, so some will
// have finished.
const busyRetryAfter = 2 * time.Second

// Leases renews the leases of running turns; chat.TurnRepository satisfies it.
type Leases interface {
	// Renew extends the leases and returns the turns among ids whose cancel was requested
	// (from another process: a cancel here reaches the turn at once).
	Renew(ctx context.Context, ids []domain.ID, until time.Time) (cancelled []domain.ID, err error)
}

// Deps are what a Runner works with.
type Deps struct {
	// Steps are the pipeline's steps, one per chat.StepName.
	Steps []chat.Step
	// Leases renews the leases of the turns here. Nil renews nothing (tests).
	Leases Leases
	// Reap fails the turns whose lease ran out (their runner is gone); Run calls it when it
	// starts and every Config.ReapEvery. It must leave alone the turns holding says this runner
	// holds (their lease lapsed because renewing failed, not because they are abandoned). Nil
	// reaps nothing.
	Reap func(ctx context.Context, limit int, holding func(domain.ID) bool) (int, error)
	// Clock tells the time (nil: the system clock).
	Clock usecase.Clock
	// Log receives turn failures, panics and maintenance errors (nil: discarded).
	Log *zap.Logger
	// Tracer makes a span of every turn and of every attempt of its steps, children of the span
	// of whatever started the turn (nil: nothing is traced).
	Tracer trace.TracerProvider

	// RetryDelay maps the pause before a retry to the pause taken (see Options.Delay); nil in
	// production.
	RetryDelay func(requested time.Duration) time.Duration
	// NewTicker makes the tick source of the lease renewer and the reaper: a channel ticking every
	// d and a function that stops it. Nil uses time.NewTicker; tests tick by hand.
	NewTicker func(d time.Duration) (ticks <-chan time.Time, stop func())
}

// Runner is a chat.Runner that runs turns on goroutines of this process: at most Config.Workers
// at once, Config.Queue more waiting in arrival order, and refuses more (ErrBusy).
//
// Call Run to keep leases alive and reap abandoned turns; it shuts the runner down when its
// context ends. An embedder that does not call Run shuts down with Shutdown.
type Runner struct {
	cfg    Config
	steps  map[chat.StepName]chat.Step
	leases Leases
	reap   func(context.Context, int, func(domain.ID) bool) (int, error)
	clock  usecase.Clock
	log    *zap.Logger
	tracer trace.Tracer // nil: not traced
	delay  func(time.Duration) time.Duration
	ticker func(time.Duration) (<-chan time.Time, func())
	ran    atomic.Bool

	mu      sync.Mutex
	turns   map[domain.ID]*turn // running and queued
	queue   []*turn             // waiting for a worker, oldest first
	running int
	stopped bool
	drained chan struct{} // closed once stopped with no turn left
}

var _ chat.Runner = (*Runner)(nil)

// turn is one turn here, running or queued.
type turn struct {
	in      chat.TurnInput
	ctx     context.Context
	cancel  context.CancelCauseFunc
	started bool
}

// NewRunner returns a runner with cfg (zero fields defaulted) over d. It panics if two steps share
// a name or a step has no Call: that is a wiring bug, caught at start-up.
func NewRunner(cfg Config, d Deps) *Runner {
	r := &Runner{
		cfg:     cfg.WithDefaults(),
		steps:   make(map[chat.StepName]chat.Step, len(d.Steps)),
		leases:  d.Leases,
		reap:    d.Reap,
		clock:   d.Clock,
		log:     d.Log,
		delay:   d.RetryDelay,
		ticker:  d.NewTicker,
		turns:   make(map[domain.ID]*turn),
		drained: make(chan struct{}),
	}
	for _, s := range d.Steps {
		if _, dup := r.steps[s.Name]; dup || s.Call == nil {
			panic(fmt.Sprintf("local: step %q registered twice or without Call", s.Name))
		}
		r.steps[s.Name] = s
	}
	if d.Tracer != nil {
		r.tracer = d.Tracer.Tracer(instrumentationName)
	}
	if r.clock == nil {
		r.clock = usecase.SystemClock{}
	}
	if r.log == nil {
		r.log = zap.NewNop()
	}
	if r.ticker == nil {
		r.ticker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	return r
}

// Start runs the turn in the background and returns at once. The turn does not end with ctx (a
// request's); it keeps ctx's values only. Starting a turn that is already here does nothing.
// Errors: ErrStopped once shutting down, ErrBusy when every worker is busy and the queue full.
func (r *Runner) Start(ctx context.Context, in chat.TurnInput) error {
	if in.TurnID.IsZero() {
		return domain.Errorf(domain.KindInternal, "start a turn without an id")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.stopped:
		return ErrStopped
	case r.turns[in.TurnID] != nil:
		return nil
	case r.running >= r.cfg.Workers && len(r.queue) >= r.cfg.Queue:
		return ErrBusy.WithRetryAfter(busyRetryAfter)
	}
	tctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	t := &turn{in: in, ctx: tctx, cancel: cancel}
	r.turns[in.TurnID] = t
	if r.running < r.cfg.Workers {
		r.launch(t)
	} else {
		r.queue = append(r.queue, t)
	}
	return nil
}

// Cancel stops the turn if it runs or waits here: its steps fail with chat.ErrCancelled and its
// finish step records it as cancelled. A waiting turn starts at once, beyond Workers, since all it
// has left to do is record that. Cancelling a turn that is not here does nothing.
func (r *Runner) Cancel(_ context.Context, turnID domain.ID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.turns[turnID]
	if t == nil {
		return nil
	}
	t.cancel(chat.ErrCancelled)
	if !t.started {
		r.queue = slices.DeleteFunc(r.queue, func(q *turn) bool { return q == t })
		r.launch(t)
	}
	return nil
}

// Running is how many turns are running now.
func (r *Runner) Running() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running
}

// Queued is how many turns wait for a worker.
func (r *Runner) Queued() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queue)
}

// launch runs t on a goroutine of its own. r.mu is held.
func (r *Runner) launch(t *turn) {
	t.started = true
	r.running++
	go r.run(t)
}

func (r *Runner) run(t *turn) {
	ctx, span := startTurn(t.ctx, r.tracer, t.in.TurnID.String())
	log := r.log.With(append([]zap.Field{zap.String(logkey.TurnID, t.in.TurnID.String())}, spans.LogFields(ctx)...)...)
	defer r.finished(t)
	var err error
	defer func() {
		if p := recover(); p != nil {
			// RunTurn itself broke; its finish step did not run, so the turn is left to the reaper.
			log.Error("turn panicked", zap.String(logkey.Panic, fmt.Sprint(p)), zap.ByteString(logkey.Stack, debug.Stack()))
			err = domain.Errorf(domain.KindInternal, "turn panicked")
		}
		endSpan(span, err)
	}()
	x := NewExecutor(ctx, r.steps, r.clock, Options{Delay: r.delay, BackoffScale: r.cfg.BackoffScale, Log: log, Tracer: r.tracer})
	_, err = chat.RunTurn(x, t.in)
	if err == nil {
		return
	}
	fields := []zap.Field{zap.Error(err)}
	if e := domain.AsError(err); e != nil {
		fields = append(fields, zap.String(logkey.Kind, e.Kind.String()), zap.String(logkey.Reason, e.Reason))
	}
	// The executor stops a cancelled turn's steps with the sentinel itself; anything else (a
	// finish step that failed too is joined to it) is worth a warning.
	if err == chat.ErrCancelled {
		log.Info("turn cancelled", fields...)
		return
	}
	log.Warn("turn failed", fields...)
}

// finished forgets t and hands its worker to the oldest waiting turn.
func (r *Runner) finished(t *turn) {
	t.cancel(nil) // release the context
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.turns, t.in.TurnID)
	r.running--
	for r.running < r.cfg.Workers && len(r.queue) > 0 {
		next := r.queue[0]
		r.queue = r.queue[1:]
		r.launch(next)
	}
	r.checkDrained()
}

// checkDrained closes drained once the runner is stopped and empty. r.mu is held.
func (r *Runner) checkDrained() {
	if r.stopped && len(r.turns) == 0 {
		select {
		case <-r.drained:
		default:
			close(r.drained)
		}
	}
}

// Shutdown stops the runner: Start refuses new turns (ErrStopped), running and waiting turns get
// Config.ShutdownGrace to finish, then the rest are interrupted — their steps fail with
// chat.ErrInterrupted and their finish steps, which still run, record them as failed — and
// Shutdown waits for those records. ctx bounds the whole: when it ends, turns still here are
// interrupted at once and Shutdown returns ctx's error without waiting for them (their leases
// then run out and a reaper fails them). It may be called more than once; Run calls it.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.stopped = true
	r.checkDrained()
	r.mu.Unlock()

	grace := time.NewTimer(r.cfg.ShutdownGrace)
	defer grace.Stop()
	select {
	case <-r.drained:
		return nil
	case <-grace.C:
	case <-ctx.Done():
	}
	r.interrupt()
	select {
	case <-r.drained:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("turns still running at shutdown: %w", ctx.Err())
	}
}

// interrupt stops every turn here with chat.ErrInterrupted (a turn already cancelled stays
// cancelled) and starts the waiting ones, which only have their outcome to record.
func (r *Runner) interrupt() {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, t := range r.turns {
		t.cancel(chat.ErrInterrupted)
		n++
	}
	for _, t := range r.queue {
		r.launch(t)
	}
	r.queue = nil
	if n > 0 {
		r.log.Warn("interrupting turns at shutdown", zap.Int(logkey.Count, n))
	}
}

// Run keeps the leases of the turns here alive and reaps abandoned turns (once at once, then every
// Config.ReapEvery) until ctx ends, then shuts the runner down (Shutdown) and returns when every
// turn has recorded its outcome; leases are renewed until then. It returns nil after a clean
// shutdown. Run may be called once.
func (r *Runner) Run(ctx context.Context) error {
	if !r.ran.CompareAndSwap(false, true) {
		return domain.Errorf(domain.KindInternal, "local: Runner.Run called twice")
	}
	// The renewer outlives ctx: turns finishing after it ended still need their leases.
	renewCtx, stopRenewing := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { r.renewLoop(renewCtx) })
	wg.Go(func() { r.reapLoop(ctx) })
	defer func() {
		stopRenewing()
		wg.Wait()
	}()
	<-ctx.Done()
	return r.Shutdown(context.WithoutCancel(ctx))
}

func (r *Runner) renewLoop(ctx context.Context) {
	if r.leases == nil {
		return
	}
	ticks, stop := r.ticker(r.cfg.RenewEvery)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			r.renew(ctx)
		}
	}
}

// renew extends the leases of every turn here, running or waiting, in one call.
func (r *Runner) renew(ctx context.Context) {
	r.mu.Lock()
	ids := make([]domain.ID, 0, len(r.turns))
	for id := range r.turns {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.RenewEvery)
	defer cancel()
	// A failed renewal is tried again at once, and once more a second later: leases lapse after
	// LeaseTTL, and a lapsed lease lets another runner fail a turn that is running fine.
	for attempt := 1; ; attempt++ {
		cancelled, err := r.leases.Renew(ctx, ids, r.clock.Now().Add(r.cfg.LeaseTTL))
		for _, id := range cancelled {
			_ = r.Cancel(ctx, id) // never fails
		}
		if err == nil || ctx.Err() != nil {
			return
		}
		if attempt == 3 {
			r.log.Warn("renew turn leases", zap.Int(logkey.Count, len(ids)), zap.Error(err))
			return
		}
		if attempt == 2 {
			t := time.NewTimer(time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// holds reports whether the turn runs or waits here.
func (r *Runner) holds(id domain.ID) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.turns[id]
	return ok
}

func (r *Runner) reapLoop(ctx context.Context) {
	if r.reap == nil || r.cfg.NoReap {
		return
	}
	ticks, stop := r.ticker(r.cfg.ReapEvery)
	defer stop()
	for {
		if _, err := r.reap(ctx, 0, r.holds); err != nil && ctx.Err() == nil {
			r.log.Warn("reap abandoned turns", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
	}
}
