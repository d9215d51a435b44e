package local

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/logkey"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// SchedulerConfig tunes the in-process scheduler. A zero field takes its default
// (DefaultSchedulerConfig).
type SchedulerConfig struct {
	// PollEvery is how often due schedules are looked for: how late a firing may be.
	PollEvery time.Duration `env:"SCHEDULE_POLL_EVERY" help:"how often the in-process scheduler looks for due schedules"`
	// Workers is how many firings this process handles at once; it claims no more than it has
	// free workers for, leaving the rest to other replicas or the next poll.
	Workers int `env:"SCHEDULE_WORKERS" help:"scheduled firings the in-process scheduler handles at once"`
	// FireTimeout bounds one firing's Handler.
	FireTimeout time.Duration `env:"SCHEDULE_FIRE_TIMEOUT" help:"how long one scheduled firing may take"`
}

// DefaultSchedulerConfig polls every 15 seconds (cron has minutes; a firing is at most that
// late), with 16 workers and 2 minutes per firing.
func DefaultSchedulerConfig() SchedulerConfig {
	return SchedulerConfig{PollEvery: 15 * time.Second, Workers: 16, FireTimeout: 2 * time.Minute}
}

// Validate checks that no field is negative.
func (c SchedulerConfig) Validate() error {
	switch {
	case c.PollEvery < 0:
		return envflag.Field("PollEvery", "must not be negative")
	case c.Workers < 0:
		return envflag.Field("Workers", "must not be negative")
	case c.FireTimeout < 0:
		return envflag.Field("FireTimeout", "must not be negative")
	}
	return nil
}

func (c SchedulerConfig) withDefaults() SchedulerConfig {
	d := DefaultSchedulerConfig()
	if c.PollEvery <= 0 {
		c.PollEvery = d.PollEvery
	}
	if c.Workers <= 0 {
		c.Workers = d.Workers
	}
	if c.FireTimeout <= 0 {
		c.FireTimeout = d.FireTimeout
	}
	return c
}

// SchedulerDeps are what a Scheduler works with.
type SchedulerDeps struct {
	// Store keeps the schedules; replicas sharing it never fire one occurrence twice.
	Store schedule.Store
	// Handler runs each firing.
	Handler schedule.Handler
	// Clock tells the time (nil: the system clock).
	Clock usecase.Clock
	// Log receives handler failures and polling errors (nil: discarded).
	Log *zap.Logger
	// NewTicker makes the poll's tick source (see Deps.NewTicker); nil uses time.NewTicker.
	NewTicker func(d time.Duration) (ticks <-chan time.Time, stop func())
}

// Scheduler is a schedule.Scheduler inside the hub's process: it keeps schedules in a shared
// Store and, every SchedulerConfig.PollEvery, claims the due ones and runs the Handler for each
// on a bounded pool of goroutines.
//
// Firing is at most once per occurrence: a replica fires only the runs it claimed (Store.Claim
// moves the next run forward atomically, so of replicas polling together exactly one wins), and
// a run claimed by a process that dies before its Handler finishes is not fired again. A claim
// sets the next run to the first occurrence after now, so occurrences missed while no replica
// ran collapse into one firing, made at the first poll — at start-up — carrying the oldest
// missed occurrence as its Due.
type Scheduler struct {
	cfg     SchedulerConfig
	store   schedule.Store
	handler schedule.Handler
	clock   usecase.Clock
	log     *zap.Logger
	ticker  func(time.Duration) (<-chan time.Time, func())
	slots   chan struct{} // one per firing being handled
	firing  sync.WaitGroup
	ran     atomic.Bool
}

var _ schedule.Scheduler = (*Scheduler)(nil)

// NewScheduler returns a scheduler with cfg (zero fields defaulted) over d. It panics without a
// Store or a Handler: that is a wiring bug, caught at start-up.
func NewScheduler(cfg SchedulerConfig, d SchedulerDeps) *Scheduler {
	if d.Store == nil || d.Handler == nil {
		panic("local: NewScheduler needs a Store and a Handler")
	}
	s := &Scheduler{cfg: cfg.withDefaults(), store: d.Store, handler: d.Handler, clock: d.Clock, log: d.Log, ticker: d.NewTicker}
	if s.clock == nil {
		s.clock = usecase.SystemClock{}
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if s.ticker == nil {
		s.ticker = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	s.slots = make(chan struct{}, s.cfg.Workers)
	return s
}

// Put validates sp and stores it with its next occurrence after now (none while disabled).
func (s *Scheduler) Put(ctx context.Context, sp schedule.Spec) error {
	if err := sp.Validate(); err != nil {
		return err
	}
	now := s.clock.Now()
	var next time.Time
	if sp.Enabled {
		var err error
		if next, err = schedule.Next(sp, now); err != nil {
			return err
		}
	}
	return s.store.Put(ctx, sp, next, now)
}

// Delete removes the schedule. A firing already claimed still runs.
func (s *Scheduler) Delete(ctx context.Context, id domain.ID) error {
	return s.store.Delete(ctx, id)
}

// Poll claims the schedules due now, as many as there are free workers, and starts their
// Handlers; it returns how many it started (they run on after it returns). Run calls it on
// every tick; tests call it to fire what is due without waiting for one.
func (s *Scheduler) Poll(ctx context.Context) (int, error) {
	free := cap(s.slots) - len(s.slots)
	if free <= 0 {
		return 0, nil
	}
	now := s.clock.Now()
	due, err := s.store.Due(ctx, now, free)
	if err != nil {
		return 0, fmt.Errorf("list due schedules: %w", err)
	}
	started := 0
	var errs []error
	for _, d := range due {
		next, err := schedule.Next(d.Spec, now)
		if err != nil {
			// A spec that was valid when put but no longer computes (its zone left the host's
			// database): fire this run and no further one until it is put again.
			s.log.Error("schedule has no next run", zap.String(logkey.ScheduleID, d.Spec.ID.String()), zap.Error(err))
			next = time.Time{}
		}
		won, err := s.store.Claim(ctx, d, next, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("claim schedule %s: %w", d.Spec.ID, err))
			continue
		}
		if !won {
			continue // another replica fired it, or it was put again meanwhile
		}
		s.slots <- struct{}{} // counted free above; waits only when two Polls overlap
		s.firing.Add(1)
		started++
		go s.fire(ctx, schedule.Firing{ScheduleID: d.Spec.ID, OwnerID: d.Spec.OwnerID, CompanionID: d.Spec.CompanionID,
			Instruction: d.Spec.Instruction, Due: d.NextRun})
	}
	return started, errors.Join(errs...)
}

// fire runs the Handler for f with its own timeout; the poll's context lends it only values, so a
// firing under way finishes when polling stops.
func (s *Scheduler) fire(ctx context.Context, f schedule.Firing) {
	defer func() {
		<-s.slots
		s.firing.Done()
	}()
	log := s.log.With(zap.String(logkey.ScheduleID, f.ScheduleID.String()), zap.Time(logkey.Due, f.Due))
	defer func() {
		if p := recover(); p != nil {
			log.Error("schedule handler panicked", zap.String(logkey.Panic, fmt.Sprint(p)), zap.ByteString(logkey.Stack, debug.Stack()))
		}
	}()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.FireTimeout)
	defer cancel()
	if err := s.handler(ctx, f); err != nil {
		log.Warn("scheduled firing failed", zap.Error(err), zap.String(logkey.Kind, domain.KindOf(err).String()))
	}
}

// Run polls at once — firing what came due while no replica ran — and then every
// SchedulerConfig.PollEvery until ctx ends; then it waits for the firings under way (each bounded
// by FireTimeout) and returns nil. Run may be called once.
func (s *Scheduler) Run(ctx context.Context) error {
	if !s.ran.CompareAndSwap(false, true) {
		return domain.Errorf(domain.KindInternal, "local: Scheduler.Run called twice")
	}
	defer s.firing.Wait()
	ticks, stop := s.ticker(s.cfg.PollEvery)
	defer stop()
	for {
		if _, err := s.Poll(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("poll schedules", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticks:
		}
	}
}
