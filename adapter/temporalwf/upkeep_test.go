package temporalwf

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/companionhub/companionhub/domain"
	domainchat "github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/usecase/chat"
)

// upkeepWait bounds every wait of these tests: long enough for a dev server under load.
const upkeepWait = 30 * time.Second

var upkeepNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// renewal is one call of Renew.
type renewal struct {
	ids   []domain.ID
	until time.Time
}

// upkeepLeases is the turn repository as the upkeep uses it: Renew only. The rest is left to
// the embedded nil interface, so a call to anything else panics and fails the test.
type upkeepLeases struct {
	chat.TurnRepository
	mu       sync.Mutex
	renewals []renewal
	err      error
}

func (l *upkeepLeases) Renew(_ context.Context, ids []domain.ID, until time.Time) ([]domain.ID, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.renewals = append(l.renewals, renewal{ids: slices.Clone(ids), until: until})
	return nil, l.err
}

func (l *upkeepLeases) renewed() []renewal {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.renewals)
}

// askingReap is a Reap that asks skip about the turns the test hands it, one batch per call: the
// test decides when and about what the upkeep asks Temporal, whatever Run's timing.
type askingReap struct {
	asks    chan []domain.ID
	answers chan map[domain.ID]bool
}

func newAskingReap() *askingReap {
	return &askingReap{asks: make(chan []domain.ID), answers: make(chan map[domain.ID]bool, 1)}
}

func (a *askingReap) reap(ctx context.Context, _ int, skip func(domain.ID) bool) (int, error) {
	select {
	case ids := <-a.asks:
		got := map[domain.ID]bool{}
		for _, id := range ids {
			got[id] = skip(id)
		}
		a.answers <- got
		return 0, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// ask has the next Reap ask skip about ids, and returns what skip said of each.
func (a *askingReap) ask(t *testing.T, ids ...domain.ID) map[domain.ID]bool {
	t.Helper()
	select {
	case a.asks <- ids:
	case <-time.After(upkeepWait):
		t.Fatal("Run did not reap")
	}
	select {
	case got := <-a.answers:
		return got
	case <-time.After(upkeepWait):
		t.Fatal("Reap did not answer")
		return nil
	}
}

// runUpkeep runs r's upkeep until the test ends, and checks that it then returns nil.
func runUpkeep(t *testing.T, r *ServerRunner) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err, "an ended context is how upkeep stops, not a failure")
		case <-time.After(upkeepWait):
			t.Error("Run did not return once its context ended")
		}
	})
}

// describing is a Temporal client that answers DescribeWorkflowExecution as told, and nothing else.
type describing struct {
	client.Client
	status enumspb.WorkflowExecutionStatus
	err    error
}

func (d describing) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	if d.err != nil {
		return nil, d.err
	}
	return &workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: d.status}}, nil
}

func TestUpkeepSkipsOnlyTurnsWhoseWorkflowRuns(t *testing.T) {
	t.Parallel()
	s := newSteps()
	replying := make(chan struct{}, 1)
	release := make(chan struct{})
	var releaseOnce sync.Once
	finishReply := func() { releaseOnce.Do(func() { close(release) }) }
	s.hooks[chat.StepReply] = func(ctx context.Context) error {
		select {
		case replying <- struct{}{}:
		default:
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	r, cfg := startWorker(t, s.table(), WorkerOptions{StopTimeout: time.Second})
	t.Cleanup(finishReply) // before the worker stops (cleanups run last first)
	leases := &upkeepLeases{}
	reap := newAskingReap()
	const ttl = 45 * time.Second
	sr := NewServerRunner(r.c, cfg, Upkeep{Reap: reap.reap, Leases: leases, Clock: clocktest.New(upkeepNow),
		Every: 10 * time.Millisecond, LeaseTTL: ttl})
	runUpkeep(t, sr)

	running := turnInput(domainchat.Options{})
	require.NoError(t, sr.Start(t.Context(), running))
	select {
	case <-replying:
	case <-time.After(upkeepWait):
		t.Fatal("the turn's reply never started")
	}
	never := domain.NewID(time.Now()) // a turn whose workflow was never started

	got := reap.ask(t, never, running.TurnID)

	assert.False(t, got[never], "a turn Temporal never saw is the upkeep's to finish")
	assert.True(t, got[running.TurnID], "a running workflow still holds its turn")
	assert.Equal(t, []renewal{{ids: []domain.ID{running.TurnID}, until: upkeepNow.Add(ttl)}}, leases.renewed(),
		"the running turn's lease is renewed, so it is not asked about again for a lease")

	// Once its workflow ended the turn is no longer held: had the workflow not recorded the end
	// (terminated by an operator), the upkeep would finish the turn.
	finishReply()
	ctx, cancel := context.WithTimeout(t.Context(), upkeepWait)
	defer cancel()
	_, err := r.Wait(ctx, running.TurnID)
	require.NoError(t, err)

	got = reap.ask(t, running.TurnID)

	assert.False(t, got[running.TurnID])
	assert.Len(t, leases.renewed(), 1, "an ended turn's lease is not renewed")
}

func TestUpkeepLeavesAloneATurnTemporalCannotAnswerAbout(t *testing.T) {
	t.Parallel()
	leases := &upkeepLeases{}
	reap := newAskingReap()
	down := describing{err: serviceerror.NewUnavailable("frontend down")}
	sr := NewServerRunner(down, DefaultConfig(), Upkeep{Reap: reap.reap, Leases: leases, Clock: clocktest.New(upkeepNow),
		Every: time.Hour, LeaseTTL: time.Minute})
	runUpkeep(t, sr)
	id := domain.NewID(time.Now())

	got := reap.ask(t, id)

	// Failing a turn that may be running fine because Temporal blinked would be worse than
	// asking again next time.
	assert.True(t, got[id])
	assert.Empty(t, leases.renewed(), "nothing is known, so nothing is vouched for")
}

func TestUpkeepAsksAboutEveryWorkflowStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status enumspb.WorkflowExecutionStatus
		held   bool
	}{
		{enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, true},
		{enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, false},
		{enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, false},
		{enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, false},
		{enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, false},
		{enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, false},
	} {
		t.Run(tc.status.String(), func(t *testing.T) {
			t.Parallel()
			leases := &upkeepLeases{}
			reap := newAskingReap()
			sr := NewServerRunner(describing{status: tc.status}, DefaultConfig(), Upkeep{Reap: reap.reap, Leases: leases,
				Clock: clocktest.New(upkeepNow), Every: time.Hour, LeaseTTL: time.Minute})
			runUpkeep(t, sr)
			id := domain.NewID(time.Now())

			got := reap.ask(t, id)

			assert.Equal(t, tc.held, got[id])
			assert.Equal(t, tc.held, len(leases.renewed()) == 1, "renewed only while running")
		})
	}
}

func TestUpkeepKeepsARunningTurnWhoseRenewalFailed(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.WarnLevel)
	leases := &upkeepLeases{err: domain.Errorf(domain.KindUnavailable, "database down")}
	reap := newAskingReap()
	sr := NewServerRunner(describing{status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING}, DefaultConfig(), Upkeep{
		Reap: reap.reap, Leases: leases, Clock: clocktest.New(upkeepNow), Log: zap.New(core), Every: time.Hour, LeaseTTL: time.Minute})
	runUpkeep(t, sr)
	id := domain.NewID(time.Now())

	got := reap.ask(t, id)

	assert.True(t, got[id], "the workflow runs, whatever the lease says")
	entries := logs.FilterMessage("renew the lease of a running turn").All()
	require.Len(t, entries, 1)
	assert.Equal(t, id.String(), entries[0].ContextMap()["turn_id"])
}

// countingReap counts its calls and reports each on a channel; fail says what each call answers.
type countingReap struct {
	mu    sync.Mutex
	n     int
	calls chan int
	fail  func(ctx context.Context, n int) error
}

func newCountingReap(fail func(ctx context.Context, n int) error) *countingReap {
	return &countingReap{calls: make(chan int, 100), fail: fail}
}

func (c *countingReap) reap(ctx context.Context, _ int, _ func(domain.ID) bool) (int, error) {
	c.mu.Lock()
	c.n++
	n := c.n
	c.mu.Unlock()
	select {
	case c.calls <- n:
	default:
	}
	if c.fail != nil {
		return 0, c.fail(ctx, n)
	}
	return 0, nil
}

// await waits for call n.
func (c *countingReap) await(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(upkeepWait)
	for {
		select {
		case got := <-c.calls:
			if got >= n {
				return
			}
		case <-deadline:
			t.Fatalf("Reap was not called %d times", n)
		}
	}
}

func TestUpkeepRunReapsAtOnce(t *testing.T) {
	t.Parallel()
	reap := newCountingReap(nil)
	// An hour between rounds: a first call within the test's wait cannot be a tick's.
	sr := NewServerRunner(nil, DefaultConfig(), Upkeep{Reap: reap.reap, Every: time.Hour})
	runUpkeep(t, sr)

	reap.await(t, 1)
}

func TestUpkeepRunReapsEveryInterval(t *testing.T) {
	t.Parallel()
	reap := newCountingReap(nil)
	sr := NewServerRunner(nil, DefaultConfig(), Upkeep{Reap: reap.reap, Every: 5 * time.Millisecond})
	runUpkeep(t, sr)

	reap.await(t, 3)
}

func TestUpkeepRunLogsAFailedReapAndCarriesOn(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.WarnLevel)
	broken := errors.New("database unavailable")
	reap := newCountingReap(func(_ context.Context, n int) error {
		if n == 1 {
			return broken
		}
		return nil
	})
	sr := NewServerRunner(nil, DefaultConfig(), Upkeep{Reap: reap.reap, Log: zap.New(core), Every: 5 * time.Millisecond})
	runUpkeep(t, sr)

	reap.await(t, 2) // the failure did not stop the upkeep

	entries := logs.FilterMessage("reaping turns whose workflow ended failed").All()
	require.Len(t, entries, 1)
	assert.Equal(t, zap.WarnLevel, entries[0].Level)
	assert.Equal(t, broken.Error(), entries[0].ContextMap()["error"])
}

func TestUpkeepRunWithoutALoggerSurvivesAFailedReap(t *testing.T) {
	t.Parallel()
	reap := newCountingReap(func(context.Context, int) error { return errors.New("database unavailable") })
	sr := NewServerRunner(nil, DefaultConfig(), Upkeep{Reap: reap.reap, Every: 5 * time.Millisecond})
	runUpkeep(t, sr)

	reap.await(t, 2)
}

func TestUpkeepRunStopsQuietlyWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	core, logs := observer.New(zap.WarnLevel)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reap := newCountingReap(func(ctx context.Context, _ int) error {
		// Shutting down in the middle of a round: the round's error is the shutdown's, not news.
		cancel()
		return ctx.Err()
	})
	sr := NewServerRunner(nil, DefaultConfig(), Upkeep{Reap: reap.reap, Log: zap.New(core), Every: time.Hour})

	done := make(chan error, 1)
	go func() { done <- sr.Run(ctx) }()

	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(upkeepWait):
		t.Fatal("Run did not return once its context ended")
	}
	assert.Zero(t, logs.Len())
	reap.await(t, 1)
}

func TestServerRunnerShutdownHasNothingToWaitFor(t *testing.T) {
	t.Parallel()
	sr := NewServerRunner(nil, DefaultConfig(), Upkeep{Reap: newCountingReap(nil).reap, Every: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	// Turns run on workers: even with no time left there is nothing to stop.
	require.NoError(t, sr.Shutdown(ctx))
}
