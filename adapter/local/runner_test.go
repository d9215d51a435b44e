package local_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/domain"
	domainchat "github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/usecase/chat"
)

// ticks is a tick source tests drive by hand, one channel per period.
type ticks struct {
	mu sync.Mutex
	ch map[time.Duration]chan time.Time
}

func (k *ticks) of(d time.Duration) chan time.Time {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ch == nil {
		k.ch = map[time.Duration]chan time.Time{}
	}
	if k.ch[d] == nil {
		k.ch[d] = make(chan time.Time) // unbuffered: a tick is taken when its send returns
	}
	return k.ch[d]
}

func (k *ticks) newTicker(d time.Duration) (<-chan time.Time, func()) { return k.of(d), func() {} }

func (k *ticks) tick(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case k.of(d) <- time.Time{}:
	case <-time.After(10 * time.Second):
		t.Fatalf("nothing took the %s tick", d)
	}
}

// leases records renewals, and says the turns in cancel were asked to stop.
type leases struct {
	renewed chan renewal
	cancel  []domain.ID
}

type renewal struct {
	ids   []domain.ID
	until time.Time
}

func (l *leases) Renew(_ context.Context, ids []domain.ID, until time.Time) ([]domain.ID, error) {
	l.renewed <- renewal{ids: ids, until: until}
	return l.cancel, nil
}

func (l *leases) next(t *testing.T) renewal {
	t.Helper()
	select {
	case r := <-l.renewed:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no lease renewal")
		return renewal{}
	}
}

// run runs r.Run until the returned stop is called, which returns Run's error.
func run(t *testing.T, r *local.Runner) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			err = awaittest.Recv(t, done, "Run's return")
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// waitStopped waits until the runner refuses turns: its shutdown has begun. It asks by starting
// running again, a turn that runs there, which does nothing until then.
func waitStopped(t *testing.T, r *local.Runner, running chat.TurnInput) {
	t.Helper()
	require.Eventually(t, func() bool {
		return errors.Is(r.Start(t.Context(), running), local.ErrStopped)
	}, 10*time.Second, time.Millisecond)
}

func TestQueuesThenRefusesTurns(t *testing.T) {
	p := newPipeline()
	g := newGate(t)
	p.hooks[chat.StepReply] = g.hook
	r := local.NewRunner(local.Config{Workers: 1, Queue: 1}, local.Deps{Steps: p.steps(), Log: zaptest.NewLogger(t)})
	a, b := newTurn(), newTurn()
	require.NoError(t, r.Start(t.Context(), a))
	g.wait(t)
	require.NoError(t, r.Start(t.Context(), b))
	assert.Equal(t, 1, r.Running())
	assert.Equal(t, 1, r.Queued())

	err := r.Start(t.Context(), newTurn())
	require.ErrorIs(t, err, local.ErrBusy)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	assert.Equal(t, 2*time.Second, domain.AsError(err).RetryAfter)

	g.Open()
	done := map[domain.ID]domainchat.Status{}
	for range 2 {
		fin := p.waitFinish(t)
		done[fin.TurnID] = fin.Status
	}
	assert.Equal(t, map[domain.ID]domainchat.Status{a.TurnID: domainchat.StatusCompleted, b.TurnID: domainchat.StatusCompleted}, done)
	require.NoError(t, r.Shutdown(t.Context()))
	assert.Zero(t, r.Running())
}

func TestCancelOfAQueuedTurnRecordsItAtOnce(t *testing.T) {
	p := newPipeline()
	g := newGate(t)
	p.hooks[chat.StepReply] = g.hook
	r := local.NewRunner(local.Config{Workers: 1}, local.Deps{Steps: p.steps(), Log: zaptest.NewLogger(t)})
	a, b := newTurn(), newTurn()
	require.NoError(t, r.Start(t.Context(), a))
	g.wait(t)
	require.NoError(t, r.Start(t.Context(), b))

	require.NoError(t, r.Cancel(t.Context(), b.TurnID))
	fin := p.waitFinish(t) // while a still holds the only worker
	assert.Equal(t, b.TurnID, fin.TurnID)
	assert.Equal(t, domainchat.StatusCancelled, fin.Status)
	assert.Equal(t, []chat.StepName{chat.StepFinish}, p.stepsOf(b.TurnID), "a cancelled turn only records it")

	g.Open()
	fin = p.waitFinish(t)
	assert.Equal(t, a.TurnID, fin.TurnID)
	assert.Equal(t, domainchat.StatusCompleted, fin.Status, "the other turn is untouched")
	require.NoError(t, r.Shutdown(t.Context()))
}

func TestShutdownInterruptsTurnsAfterTheGracePeriod(t *testing.T) {
	p := newPipeline()
	p.hooks[chat.StepReply] = func(ctx context.Context, _ any) error { // a model that never answers
		<-ctx.Done()
		return ctx.Err()
	}
	r := local.NewRunner(local.Config{Workers: 1, ShutdownGrace: 20 * time.Millisecond}, local.Deps{Steps: p.steps(), Log: zaptest.NewLogger(t)})
	a, b := newTurn(), newTurn()
	require.NoError(t, r.Start(t.Context(), a))
	require.NoError(t, r.Start(t.Context(), b)) // waits for the worker a holds

	require.NoError(t, r.Shutdown(t.Context()), "shutdown waits for the interrupted turns to record it")
	got := map[domain.ID]chat.FinishInput{}
	for range 2 {
		fin := p.waitFinish(t)
		got[fin.TurnID] = fin
	}
	for _, id := range []domain.ID{a.TurnID, b.TurnID} {
		assert.Equal(t, domainchat.StatusFailed, got[id].Status)
		assert.Equal(t, "interrupted", got[id].ErrorCode)
	}
	assert.Equal(t, []chat.StepName{chat.StepFinish}, p.stepsOf(b.TurnID))
	assert.ErrorIs(t, r.Start(t.Context(), newTurn()), local.ErrStopped)
	assert.Zero(t, r.Running())
}

func TestShutdownLetsTurnsFinishWithinTheGracePeriod(t *testing.T) {
	p := newPipeline()
	g := newGate(t)
	p.hooks[chat.StepReply] = g.hook
	r := local.NewRunner(local.Config{ShutdownGrace: time.Hour}, local.Deps{Steps: p.steps(), Log: zaptest.NewLogger(t)})
	in := newTurn()
	require.NoError(t, r.Start(t.Context(), in))
	g.wait(t)

	errc := make(chan error, 1)
	go func() { errc <- r.Shutdown(t.Context()) }()
	waitStopped(t, r, in)
	g.Open()
	assert.Equal(t, domainchat.StatusCompleted, p.waitFinish(t).Status)
	require.NoError(t, awaittest.Recv(t, errc, "Shutdown's return"))
}

func TestShutdownGivesUpWhenItsContextEnds(t *testing.T) {
	p := newPipeline()
	stuck := make(chan struct{})
	t.Cleanup(func() { close(stuck) })
	entered := make(chan struct{})
	p.hooks[chat.StepReply] = func(context.Context, any) error { // ignores its context: a bug
		close(entered)
		<-stuck
		return nil
	}
	r := local.NewRunner(local.Config{ShutdownGrace: time.Hour}, local.Deps{Steps: p.steps(), Log: zaptest.NewLogger(t)})
	require.NoError(t, r.Start(t.Context(), newTurn()))
	awaittest.Recv(t, entered, "the reply step's start")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, r.Shutdown(ctx), context.Canceled)
}

func TestRunRenewsNothingWithoutTurns(t *testing.T) {
	l := &leases{renewed: make(chan renewal, 8)}
	var k ticks
	cfg := local.Config{LeaseTTL: 30 * time.Second, RenewEvery: 10 * time.Second, ShutdownGrace: time.Hour}
	r := local.NewRunner(cfg, local.Deps{Steps: newPipeline().steps(), Leases: l, NewTicker: k.newTicker, Log: zaptest.NewLogger(t)})
	stop := run(t, r)
	k.tick(t, cfg.RenewEvery)
	k.tick(t, cfg.RenewEvery) // taken only once the first tick's renewal is over
	select {
	case got := <-l.renewed:
		t.Fatalf("renewed %v with no turn running", got.ids)
	default:
	}
	require.NoError(t, stop())
}

func TestRunRenewsTheLeasesOfEveryTurnUntilTheyEnd(t *testing.T) {
	p := newPipeline()
	g := newGate(t)
	p.hooks[chat.StepReply] = g.hook
	clock := clocktest.New(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	var k ticks
	l := &leases{renewed: make(chan renewal, 8)}
	cfg := local.Config{Workers: 1, LeaseTTL: 30 * time.Second, RenewEvery: 10 * time.Second, ShutdownGrace: time.Hour}
	r := local.NewRunner(cfg, local.Deps{Steps: p.steps(), Leases: l, Clock: clock, NewTicker: k.newTicker, Log: zaptest.NewLogger(t)})
	stop := run(t, r)

	a, b := newTurn(), newTurn()
	require.NoError(t, r.Start(t.Context(), a))
	g.wait(t)
	require.NoError(t, r.Start(t.Context(), b)) // queued
	clock.Advance(5 * time.Second)
	k.tick(t, cfg.RenewEvery)
	got := l.next(t)
	assert.ElementsMatch(t, []domain.ID{a.TurnID, b.TurnID}, got.ids, "running and queued turns, in one call")
	assert.Equal(t, clock.Now().Add(cfg.LeaseTTL), got.until)

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	waitStopped(t, r, a)
	k.tick(t, cfg.RenewEvery)
	assert.ElementsMatch(t, []domain.ID{a.TurnID, b.TurnID}, l.next(t).ids, "leases are renewed while shutdown waits")

	g.Open()
	require.NoError(t, awaittest.Recv(t, stopped, "Run's return"))
	for range 2 {
		assert.Equal(t, domainchat.StatusCompleted, p.waitFinish(t).Status)
	}
}

// A cancel made on another replica reaches the turn with the next lease renewal.
func TestRenewalCancelsTurnsAskedToStopElsewhere(t *testing.T) {
	p := newPipeline()
	g := newGate(t)
	p.hooks[chat.StepReply] = g.hook
	var k ticks
	turn := newTurn()
	l := &leases{renewed: make(chan renewal, 8), cancel: []domain.ID{turn.TurnID}}
	cfg := local.Config{LeaseTTL: 30 * time.Second, RenewEvery: 10 * time.Second, ShutdownGrace: time.Hour}
	r := local.NewRunner(cfg, local.Deps{Steps: p.steps(), Leases: l, NewTicker: k.newTicker, Log: zaptest.NewLogger(t)})
	stop := run(t, r)
	require.NoError(t, r.Start(t.Context(), turn))
	g.wait(t)
	k.tick(t, cfg.RenewEvery)
	l.next(t)
	assert.Equal(t, domainchat.StatusCancelled, p.waitFinish(t).Status)
	require.NoError(t, stop())
}

func TestRunReapsAtOnceAndThenPeriodically(t *testing.T) {
	var k ticks
	reaped := make(chan struct{}, 8)
	calls := 0
	core, logs := observer.New(zap.WarnLevel)
	cfg := local.Config{ReapEvery: time.Minute}
	r := local.NewRunner(cfg, local.Deps{NewTicker: k.newTicker, Log: zap.New(core), Reap: func(ctx context.Context, _ int, _ func(domain.ID) bool) (int, error) {
		calls++
		reaped <- struct{}{}
		if calls == 1 {
			return 0, errors.New("database unavailable")
		}
		return 0, nil
	}})
	stop := run(t, r)
	wait := func() {
		t.Helper()
		select {
		case <-reaped:
		case <-time.After(10 * time.Second):
			t.Fatal("no reap")
		}
	}
	wait() // at start
	k.tick(t, cfg.ReapEvery)
	wait() // a failed reap does not stop the next
	k.tick(t, cfg.ReapEvery)
	wait()
	require.NoError(t, stop())
	assert.Equal(t, 3, calls)
	assert.Equal(t, 1, logs.FilterMessage("reap abandoned turns").Len())
}

func TestAPanickingStepFailsOnlyItsTurn(t *testing.T) {
	p := newPipeline()
	var first sync.Once
	p.hooks[chat.StepReply] = func(context.Context, any) error {
		first.Do(func() { panic("reply step bug") })
		return nil
	}
	core, logs := observer.New(zap.WarnLevel)
	r := local.NewRunner(local.Config{}, local.Deps{Steps: p.steps(), Log: zap.New(core)})
	bad := newTurn()
	require.NoError(t, r.Start(t.Context(), bad))
	fin := p.waitFinish(t)
	assert.Equal(t, domainchat.StatusFailed, fin.Status)
	assert.Equal(t, "internal", fin.ErrorCode)

	good := newTurn()
	require.NoError(t, r.Start(t.Context(), good))
	fin = p.waitFinish(t)
	assert.Equal(t, good.TurnID, fin.TurnID)
	assert.Equal(t, domainchat.StatusCompleted, fin.Status)
	require.NoError(t, r.Shutdown(t.Context()))

	panicked := logs.FilterMessage("step panicked").All()
	require.Len(t, panicked, 1)
	assert.Equal(t, bad.TurnID.String(), panicked[0].ContextMap()["turn_id"])
	failed := logs.FilterMessage("turn failed").All()
	require.Len(t, failed, 1)
	assert.Equal(t, zapcore.WarnLevel, failed[0].Level)
	assert.Equal(t, bad.TurnID.String(), failed[0].ContextMap()["turn_id"])
	assert.Equal(t, "internal", failed[0].ContextMap()["kind"])
}

func TestCancelledTurnIsLoggedAsInfo(t *testing.T) {
	p := newPipeline()
	g := newGate(t)
	p.hooks[chat.StepReply] = g.hook
	core, logs := observer.New(zap.InfoLevel)
	r := local.NewRunner(local.Config{}, local.Deps{Steps: p.steps(), Log: zap.New(core)})
	in := newTurn()
	require.NoError(t, r.Start(t.Context(), in))
	g.wait(t)
	require.NoError(t, r.Cancel(t.Context(), in.TurnID))
	assert.Equal(t, domainchat.StatusCancelled, p.waitFinish(t).Status)
	require.NoError(t, r.Shutdown(t.Context()))
	assert.Equal(t, 1, logs.FilterMessage("turn cancelled").FilterField(zap.String("turn_id", in.TurnID.String())).Len())
	assert.Zero(t, logs.FilterLevelExact(zap.WarnLevel).Len())
}

func TestStartNeedsATurnID(t *testing.T) {
	r := local.NewRunner(local.Config{}, local.Deps{Steps: newPipeline().steps()})
	err := r.Start(t.Context(), chat.TurnInput{})
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
}

func TestRunOnlyOnce(t *testing.T) {
	r := local.NewRunner(local.Config{}, local.Deps{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.NoError(t, r.Run(ctx), "an idle runner stops at once")
	assert.Error(t, r.Run(t.Context()))
}

func TestNewRunnerRejectsAmbiguousSteps(t *testing.T) {
	step := chat.Step{Name: chat.StepReply, Call: func(context.Context, any) (any, error) { return nil, nil }}
	assert.Panics(t, func() { local.NewRunner(local.Config{}, local.Deps{Steps: []chat.Step{step, step}}) })
	assert.Panics(t, func() { local.NewRunner(local.Config{}, local.Deps{Steps: []chat.Step{{Name: chat.StepReply}}}) })
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, local.DefaultConfig().Validate())
	require.NoError(t, local.Config{}.Validate(), "zero fields take defaults")
	for name, c := range map[string]local.Config{
		"Workers":    {Workers: -1},
		"Queue":      {Queue: -1},
		"LeaseTTL":   {LeaseTTL: -time.Second},
		"RenewEvery": {LeaseTTL: 30 * time.Second, RenewEvery: 20 * time.Second},
		"ReapEvery":  {ReapEvery: -time.Second},
		"Grace":      {ShutdownGrace: -time.Second},
	} {
		assert.Error(t, c.Validate(), name)
	}
}
