package temporalwf

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/companionhub/companionhub/domain"
	domainchat "github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/chat"
)

// steps are a turn's steps for the workflow tests: fixed answers, a hook per step, and a record
// of every call with its attempt.
type steps struct {
	// replyWords is the length of the reply (default 1 word).
	replyWords int

	mu     sync.Mutex
	calls  []string
	hooks  map[chat.StepName]func(ctx context.Context) error
	finish []chat.FinishInput
}

func newSteps() *steps { return &steps{hooks: map[chat.StepName]func(context.Context) error{}} }

func (s *steps) enter(ctx context.Context, name chat.StepName) error {
	s.mu.Lock()
	s.calls = append(s.calls, string(name))
	h := s.hooks[name]
	s.mu.Unlock()
	if h != nil {
		return h(ctx)
	}
	return nil
}

func (s *steps) count(name chat.StepName) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c == string(name) {
			n++
		}
	}
	return n
}

func step[I, O any](s *steps, name chat.StepName, out func(I) O) chat.Step {
	return chat.Step{Name: name, Fn: func(ctx context.Context, in I) (O, error) {
		var zero O
		if err := s.enter(ctx, name); err != nil {
			return zero, err
		}
		return out(in), nil
	}}
}

var savedID = domain.NewID(time.Unix(1_700_000_000, 0))

func (s *steps) table() []chat.Step {
	return []chat.Step{
		step(s, chat.StepAnalyze, func(chat.AnalyzeInput) chat.Analysis { return chat.Analysis{} }),
		step(s, chat.StepRecall, func(chat.RecallInput) chat.RecallOutput { return chat.RecallOutput{Memories: []string{"tea"}} }),
		step(s, chat.StepPlan, func(chat.PlanInput) chat.PlanOutput { return chat.PlanOutput{Plan: "p"} }),
		step(s, chat.StepReply, func(chat.ReplyInput) chat.ReplyOutput {
			return chat.ReplyOutput{Chars: len(strings.TrimSpace(strings.Repeat("hello ", max(s.replyWords, 1))))}
		}),
		step(s, chat.StepPersist, func(chat.PersistInput) chat.PersistOutput { return chat.PersistOutput{MessageID: savedID} }),
		step(s, chat.StepExtract, func(chat.SideInput) chat.Empty { return chat.Empty{} }),
		step(s, chat.StepPicture, func(chat.SideInput) chat.Empty { return chat.Empty{} }),
		step(s, chat.StepSpeak, func(chat.SideInput) chat.Empty { return chat.Empty{} }),
		step(s, chat.StepFinish, func(in chat.FinishInput) chat.Empty {
			s.mu.Lock()
			s.finish = append(s.finish, in)
			s.mu.Unlock()
			return chat.Empty{}
		}),
	}
}

func (s *steps) finished(t *testing.T) chat.FinishInput {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Len(t, s.finish, 1, "finish ran once: %v", s.calls)
	return s.finish[0]
}

// newEnv is a test environment running s with the worker's interceptor, unless bare (a worker
// that never heartbeats).
func newEnv(t *testing.T, s *steps, o WorkerOptions, bare bool) *testsuite.TestWorkflowEnvironment {
	return newEnvOf(t, new(testsuite.WorkflowTestSuite), s, o, bare)
}

// newEnvOf is newEnv from a suite of the test's (with its own logger, say).
func newEnvOf(t *testing.T, suite *testsuite.WorkflowTestSuite, s *steps, o WorkerOptions, bare bool) *testsuite.TestWorkflowEnvironment {
	env := suite.NewTestWorkflowEnvironment()
	if !bare {
		env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&stepInterceptor{}}})
	}
	env.SetTestTimeout(time.Minute)
	Register(env, s.table(), o)
	return env
}

func turnInput(opts domainchat.Options) chat.TurnInput {
	id := domain.NewID(time.Now())
	return chat.TurnInput{TurnID: id, OwnerID: id, CompanionID: id, Options: opts}
}

func TestWorkflowCompletesATurn(t *testing.T) {
	s := newSteps()
	env := newEnv(t, s, WorkerOptions{}, false)
	env.ExecuteWorkflow(TurnWorkflowName, turnInput(domainchat.Options{DeepThink: true, Image: true, Voice: true}))

	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res chat.TurnResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, savedID, res.MessageID)
	fin := s.finished(t)
	assert.Equal(t, domainchat.StatusCompleted, fin.Status)
	assert.Equal(t, savedID, fin.MessageID)
	for _, name := range []chat.StepName{chat.StepRecall, chat.StepPlan, chat.StepReply, chat.StepAnalyze,
		chat.StepPersist, chat.StepExtract, chat.StepPicture, chat.StepSpeak} {
		assert.Equal(t, 1, s.count(name), "%s ran once", name)
	}
}

func TestWorkflowRetriesARetryableFailure(t *testing.T) {
	s := newSteps()
	var attempts []int
	s.hooks[chat.StepPersist] = func(ctx context.Context) error {
		attempts = append(attempts, chat.AttemptFrom(ctx))
		if chat.AttemptFrom(ctx) == 1 {
			return domain.E(domain.KindUnavailable, "db_down", "the database is unavailable")
		}
		return nil
	}
	env := newEnv(t, s, WorkerOptions{}, false)
	env.ExecuteWorkflow(TurnWorkflowName, turnInput(domainchat.Options{}))

	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, []int{1, 2}, attempts, "the step learns its attempt")
	assert.Equal(t, domainchat.StatusCompleted, s.finished(t).Status)
}

func TestWorkflowFailsOnANonRetryableFailure(t *testing.T) {
	s := newSteps()
	s.hooks[chat.StepReply] = func(context.Context) error {
		return domain.E(domain.KindInvalid, "content_rejected", "the model refused the request")
	}
	env := newEnv(t, s, WorkerOptions{}, false)
	env.ExecuteWorkflow(TurnWorkflowName, turnInput(domainchat.Options{}))

	require.Error(t, env.GetWorkflowError())
	assert.Equal(t, 1, s.count(chat.StepReply), "an invalid request is not retried")
	assert.Zero(t, s.count(chat.StepPersist))
	fin := s.finished(t)
	assert.Equal(t, domainchat.StatusFailed, fin.Status)
	assert.Equal(t, "invalid", fin.ErrorCode)
	assert.Equal(t, "the model refused the request", fin.ErrorMessage, "the client-safe text crossed Temporal")
}

func TestWorkflowSideStepFailuresKeepTheReply(t *testing.T) {
	s := newSteps()
	broken := func(context.Context) error { return domain.E(domain.KindInvalid, "broken", "broken") }
	for _, name := range []chat.StepName{chat.StepAnalyze, chat.StepRecall, chat.StepExtract, chat.StepPicture} {
		s.hooks[name] = broken
	}
	env := newEnv(t, s, WorkerOptions{}, false)
	env.ExecuteWorkflow(TurnWorkflowName, turnInput(domainchat.Options{Image: true}))

	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, domainchat.StatusCompleted, s.finished(t).Status)
}

func TestWorkflowCancelStopsTheReplyAndRecordsIt(t *testing.T) {
	s := newSteps()
	replying := make(chan struct{})
	s.hooks[chat.StepReply] = func(ctx context.Context) error {
		close(replying)
		<-ctx.Done() // a streaming reply stops when its context does
		return ctx.Err()
	}
	env := newEnv(t, s, WorkerOptions{}, false)
	env.RegisterDelayedCallback(func() {
		select {
		case <-replying:
		case <-time.After(awaittest.Patience):
			t.Error("the reply step never started")
		}
		env.CancelWorkflow()
	}, time.Second)
	env.ExecuteWorkflow(TurnWorkflowName, turnInput(domainchat.Options{}))

	require.True(t, env.IsWorkflowCompleted())
	fin := s.finished(t)
	assert.Equal(t, domainchat.StatusCancelled, fin.Status, "finish runs after the cancel")
	assert.Equal(t, "cancelled", fin.ErrorCode)
	assert.Zero(t, s.count(chat.StepPersist), "a cancelled reply is not saved")
	assert.Equal(t, 1, s.count(chat.StepReply), "a cancelled step is not retried")
}

// heartbeatTimeouts is a test suite's logger that tells when the test environment has timed out
// a step for its missing heartbeats: the environment's watchdog runs on the wall clock, so a
// test that waits a fixed time for it races it.
type heartbeatTimeouts struct {
	log.Logger
	once     sync.Once
	timedOut chan struct{}
}

func newHeartbeatTimeouts() *heartbeatTimeouts {
	return &heartbeatTimeouts{Logger: log.NewStructuredLogger(slog.Default()), timedOut: make(chan struct{})}
}

func (l *heartbeatTimeouts) Debug(msg string, keyvals ...any) {
	if msg == "Activity heartbeat timeout" { // the test environment's own message
		l.once.Do(func() { close(l.timedOut) })
	}
	l.Logger.Debug(msg, keyvals...)
}

func TestWorkflowTimesOutAStepWhoseWorkerStoppedHeartbeating(t *testing.T) {
	s := newSteps()
	timeouts := newHeartbeatTimeouts()
	var heartbeat atomic.Int64
	s.hooks[chat.StepReply] = func(ctx context.Context) error {
		heartbeat.Store(int64(activity.GetInfo(ctx).HeartbeatTimeout))
		// A worker stuck (nothing heartbeats without the interceptor) until its step has been
		// timed out: its late answer is not taken.
		select {
		case <-ctx.Done():
		case <-timeouts.timedOut:
		case <-time.After(awaittest.Patience):
		}
		return nil
	}
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(timeouts)
	env := newEnvOf(t, &suite, s, WorkerOptions{MaxHeartbeat: 100 * time.Millisecond}, true)
	env.ExecuteWorkflow(TurnWorkflowName, turnInput(domainchat.Options{}))

	require.True(t, env.IsWorkflowCompleted())
	assert.Equal(t, 100*time.Millisecond, time.Duration(heartbeat.Load()), "MaxHeartbeat caps the reply's heartbeat timeout")
	select {
	case <-timeouts.timedOut:
	default:
		t.Error("the test environment never timed the step out")
	}
	// (Whether a timeout is retried is the server's to apply; the integration tests see it.)
	assert.Zero(t, s.count(chat.StepPersist), "a late answer is not taken")
	fin := s.finished(t)
	assert.Equal(t, domainchat.StatusFailed, fin.Status)
	assert.Equal(t, "unavailable", fin.ErrorCode, "a timeout is the model's unavailability, as in process")
}
