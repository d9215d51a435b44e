// Package runnertest is the conformance suite of the chat use cases' Runner port: every runner —
// adapter/local's in-process pool and adapter/temporalwf's workflows — runs the same turns through
// the same fake steps and must give the same outcomes:
//
//	func TestConformance(t *testing.T) {
//		runnertest.Run(t, runnertest.Harness{NewRunner: func(t *testing.T, steps []chat.Step) chat.Runner {
//			r := myrunner.New(steps, …)
//			t.Cleanup(r.Stop)
//			return r
//		}})
//	}
//
// The steps are real chat.Steps (Fn typed, for runners that register activities; Call untyped,
// for runners that call them), driven by the real pipeline (chat.RunTurn) inside the runner. They
// answer at once with fixed outputs, fail when a scenario says so, and record every call with the
// attempt it ran as (chat.AttemptFrom), which is how the suite sees order, retries and outcomes.
//
// Only retries whose first backoff in chat.Policies is short (a second at most) run by default;
// scenarios that would wait out longer backoffs run when the harness says its runner shortens
// them (Harness.FastRetries), and are skipped, saying why, when it does not. Nothing sleeps:
// every wait is for an event, bounded by Harness.Timeout.
package runnertest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	domainchat "github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/chat"
)

// Harness is how the suite gets runners.
type Harness struct {
	// NewRunner returns a runner, ready to take turns, that runs them with steps (one per
	// chat.StepName) through chat.RunTurn, and stops it when t ends. It is called once per
	// subtest; subtests run in parallel.
	NewRunner func(t *testing.T, steps []chat.Step) chat.Runner
	// FastRetries says the runner pauses far less between attempts than chat.Policies' backoffs
	// (a test option of the implementation), so scenarios that exhaust a step's attempts run too.
	FastRetries bool
	// Timeout bounds the wait for one turn to finish; zero means 30 seconds.
	Timeout time.Duration
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	if h.Timeout <= 0 {
		h.Timeout = 30 * time.Second
	}
	s := suite{h: h}
	type scenario struct {
		name string
		fn   func(t *testing.T)
	}
	scenarios := []scenario{
		{"CompletesInPipelineOrder", s.completesInOrder},
		{"CompletesWithEveryOption", s.completesWithEveryOption},
		{"FatalReplyFailureFailsTheTurn", s.fatalReplyFailure},
		{"SideStepFailuresDoNotFailTheTurn", s.sideStepFailures},
		{"RetriesRetryableFailures", s.retriesRetryable},
		{"FinishIsRetried", s.finishIsRetried},
		{"CancelDuringReply", s.cancelDuringReply},
		{"CancelUnknownOrFinishedTurn", s.cancelUnknownOrFinished},
		{"OutlivesTheStartingRequest", s.outlivesRequest},
		{"StartTwiceRunsOnce", s.startTwice},
		{"ConcurrentTurns", s.concurrentTurns},
		{"RetriesUntilAttemptsRunOut", s.retriesUntilExhausted},
	}
	for _, tc := range scenarios {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t)
		})
	}
}

type suite struct{ h Harness }

// start makes a runner over f's steps and starts a turn with opts on it.
func (s suite) start(t *testing.T, f *fake, opts domainchat.Options) (chat.Runner, chat.TurnInput) {
	t.Helper()
	r := s.h.NewRunner(t, f.steps())
	require.NotNil(t, r)
	in := newTurn(opts)
	require.NoError(t, r.Start(t.Context(), in))
	return r, in
}

func newTurn(opts domainchat.Options) chat.TurnInput {
	now := time.Now()
	return chat.TurnInput{TurnID: domain.NewID(now), OwnerID: domain.NewID(now), CompanionID: domain.NewID(now), Options: opts}
}

// failWith is a hook that always fails with err.
func failWith(err error) hook {
	return func(context.Context, domain.ID) error { return err }
}

// failFirst is a hook whose first attempt fails with err and whose later ones succeed.
func failFirst(err error) hook {
	return func(ctx context.Context, _ domain.ID) error {
		if chat.AttemptFrom(ctx) == 1 {
			return err
		}
		return nil
	}
}

// A turn opens with the memory recall: nothing else stands before the reply (the scene is analysed
// after it).
var opening = []string{"chat.recall"}

// What a turn without options runs after its opening.
var plainSequence = []string{"chat.reply", "chat.analyze", "chat.persist", "chat.extract", "chat.finish"}

// requireSequence checks the steps a turn ran: the opening in any order, then rest in order.
func requireSequence(t *testing.T, seq, rest []string, msg string) {
	t.Helper()
	require.GreaterOrEqual(t, len(seq), len(opening), "%s: %v", msg, seq)
	assert.ElementsMatch(t, opening, seq[:len(opening)], "%s: the opening, in any order: %v", msg, seq)
	assert.Equal(t, rest, seq[len(opening):], "%s: %v", msg, seq)
}

func (s suite) completesInOrder(t *testing.T) {
	f := newFake()
	_, in := s.start(t, f, domainchat.Options{})
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)

	assert.Equal(t, domainchat.StatusCompleted, fin.Status)
	assert.Equal(t, in.TurnID, fin.TurnID)
	assert.False(t, fin.MessageID.IsZero(), "a completed turn names its message")
	assert.Equal(t, f.messageOf(in.TurnID), fin.MessageID, "the message is the one the persist step saved")
	assert.Empty(t, fin.ErrorCode)
	requireSequence(t, f.sequence(in.TurnID), plainSequence, "steps")
	for _, c := range f.callsOf(in.TurnID) {
		assert.Equal(t, 1, c.Attempt, "%s ran as attempt %d, nothing failed", c.key(), c.Attempt)
	}

	// What each step was given comes from the steps before it.
	reply := f.callsTo(in.TurnID, chat.StepReply)[0].In.(chat.ReplyInput)
	assert.Equal(t, memories, reply.Memories, "the reply gets the recalled memories")
	analysis := f.callsTo(in.TurnID, chat.StepAnalyze)
	require.Len(t, analysis, 1, "one scene analysis")
	// The reply's text travels by the turn's id (its draft), never between steps.
	assert.Equal(t, chat.AnalyzeInput{TurnID: in.TurnID}, analysis[0].In, "the analysis reads the turn's reply")
	persist := f.callsTo(in.TurnID, chat.StepPersist)[0].In.(chat.PersistInput)
	assert.Equal(t, in.TurnID, persist.TurnID, "the persist step saves the turn's reply")
	side := f.callsTo(in.TurnID, chat.StepExtract)[0].In.(chat.SideInput)
	assert.Equal(t, fin.MessageID, side.MessageID, "side steps work on the saved message")
}

func (s suite) completesWithEveryOption(t *testing.T) {
	f := newFake()
	_, in := s.start(t, f, domainchat.Options{DeepThink: true, Image: true, Voice: true})
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)
	assert.Equal(t, domainchat.StatusCompleted, fin.Status)
	assert.Equal(t, f.messageOf(in.TurnID), fin.MessageID)

	seq := f.sequence(in.TurnID)
	sequential := []string{"chat.plan", "chat.reply", "chat.analyze", "chat.persist"}
	require.Len(t, seq, len(opening)+len(sequential)+4, "steps: %v", seq)
	requireSequence(t, seq[:len(opening)+len(sequential)], sequential, "before the side steps")
	side := seq[len(opening)+len(sequential) : len(seq)-1]
	assert.ElementsMatch(t, []string{"chat.extract", "chat.picture", "chat.speak"}, side, "after the reply is saved, in any order")
	assert.Equal(t, "chat.finish", seq[len(seq)-1], "finish comes after every side step")

	reply := f.callsTo(in.TurnID, chat.StepReply)[0].In.(chat.ReplyInput)
	assert.Equal(t, planText, reply.Plan, "the reply follows the plan")
}

func (s suite) fatalReplyFailure(t *testing.T) {
	f := newFake()
	f.hooks[chat.StepReply] = failWith(domain.E(domain.KindInvalid, "content_rejected", "the model refused the request"))
	_, in := s.start(t, f, domainchat.Options{Image: true, Voice: true})
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)

	assert.Equal(t, domainchat.StatusFailed, fin.Status)
	assert.Equal(t, "invalid", fin.ErrorCode)
	assert.NotEmpty(t, fin.ErrorMessage)
	assert.True(t, fin.MessageID.IsZero(), "a failed turn saved nothing")
	assert.Len(t, f.callsTo(in.TurnID, chat.StepReply), 1, "an invalid request is not retried")
	requireSequence(t, f.sequence(in.TurnID), []string{"chat.reply", "chat.finish"},
		"nothing runs between the failed reply and finish")
}

func (s suite) sideStepFailures(t *testing.T) {
	f := newFake()
	broken := domain.E(domain.KindInvalid, "broken", "this step is broken")
	for _, step := range []chat.StepName{chat.StepAnalyze, chat.StepRecall, chat.StepPlan, chat.StepExtract, chat.StepPicture, chat.StepSpeak} {
		f.hooks[step] = failWith(broken)
	}
	_, in := s.start(t, f, domainchat.Options{DeepThink: true, Image: true, Voice: true})
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)

	assert.Equal(t, domainchat.StatusCompleted, fin.Status, "only the reply and saving it are fatal")
	assert.Equal(t, f.messageOf(in.TurnID), fin.MessageID)
	reply := f.callsTo(in.TurnID, chat.StepReply)[0].In.(chat.ReplyInput)
	assert.Empty(t, reply.Memories)
	assert.Empty(t, reply.Plan)
	for _, step := range []chat.StepName{chat.StepRecall, chat.StepPlan, chat.StepExtract, chat.StepPicture, chat.StepSpeak} {
		assert.Len(t, f.callsTo(in.TurnID, step), 1, "%s failed for good once", step)
	}
	assert.Len(t, f.callsTo(in.TurnID, chat.StepAnalyze), 1, "the analysis ran once")
}

func (s suite) retriesRetryable(t *testing.T) {
	// The persist step backs off half a second, so its retry is quick.
	f := newFake()
	f.hooks[chat.StepPersist] = failFirst(domain.E(domain.KindUnavailable, "db_down", "the database is unavailable"))
	_, in := s.start(t, f, domainchat.Options{})
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)

	assert.Equal(t, domainchat.StatusCompleted, fin.Status)
	assert.Equal(t, f.messageOf(in.TurnID), fin.MessageID)
	assert.Equal(t, []int{1, 2}, attempts(f.callsTo(in.TurnID, chat.StepPersist)), "persist: attempt 1 failed, attempt 2 saved")
}

func (s suite) retriesUntilExhausted(t *testing.T) {
	if p := chat.Policies[chat.StepReply]; !s.h.FastRetries {
		t.Skipf("the reply step's %d attempts are %s apart at first, up to %s (chat.Policies): this runs "+
			"only with a runner that shortens backoffs (Harness.FastRetries)", p.Attempts, p.Backoff.Initial, p.Backoff.Max)
	}
	f := newFake()
	f.hooks[chat.StepReply] = failWith(domain.E(domain.KindUnavailable, "model_down", "the model is unavailable"))
	_, in := s.start(t, f, domainchat.Options{})
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)

	assert.Equal(t, domainchat.StatusFailed, fin.Status)
	assert.Equal(t, "unavailable", fin.ErrorCode)
	want := make([]int, chat.Policies[chat.StepReply].Attempts)
	for i := range want {
		want[i] = i + 1
	}
	assert.Equal(t, want, attempts(f.callsTo(in.TurnID, chat.StepReply)), "every attempt the policy allows, numbered")
	assert.Empty(t, f.callsTo(in.TurnID, chat.StepPersist))
}

func (s suite) finishIsRetried(t *testing.T) {
	f := newFake()
	f.hooks[chat.StepFinish] = failFirst(domain.E(domain.KindUnavailable, "db_down", "the database is unavailable"))
	_, in := s.start(t, f, domainchat.Options{})
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)

	assert.Equal(t, domainchat.StatusCompleted, fin.Status)
	assert.Equal(t, []int{1, 2}, attempts(f.callsTo(in.TurnID, chat.StepFinish)))
}

func (s suite) cancelDuringReply(t *testing.T) {
	f := newFake()
	blocked := newSignal(t)
	f.hooks[chat.StepReply] = blocked.hook
	r, in := s.start(t, f, domainchat.Options{})
	require.Equal(t, in.TurnID, blocked.wait(t, s.h.Timeout))

	require.NoError(t, r.Cancel(t.Context(), in.TurnID))
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)
	assert.Equal(t, domainchat.StatusCancelled, fin.Status)
	assert.Equal(t, "cancelled", fin.ErrorCode)
	assert.True(t, fin.MessageID.IsZero())
	assert.Empty(t, f.callsTo(in.TurnID, chat.StepPersist), "a cancelled reply is not saved")
	assert.Len(t, f.callsTo(in.TurnID, chat.StepReply), 1, "a cancelled step is not retried")
}

func (s suite) cancelUnknownOrFinished(t *testing.T) {
	f := newFake()
	r, in := s.start(t, f, domainchat.Options{})
	assert.NoError(t, r.Cancel(t.Context(), domain.NewID(time.Now())), "a turn the runner never saw")
	f.waitFinish(t, s.h.Timeout, in.TurnID)
	assert.NoError(t, r.Cancel(t.Context(), in.TurnID), "a turn that ended")
}

func (s suite) outlivesRequest(t *testing.T) {
	f := newFake()
	r := s.h.NewRunner(t, f.steps())
	in := newTurn(domainchat.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	require.NoError(t, r.Start(ctx, in))
	cancel() // the request that started the turn is over
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)
	assert.Equal(t, domainchat.StatusCompleted, fin.Status, "a turn does not end with the request that started it")
}

func (s suite) startTwice(t *testing.T) {
	f := newFake()
	blocked := newSignal(t)
	f.hooks[chat.StepReply] = blocked.hook
	r, in := s.start(t, f, domainchat.Options{})
	blocked.wait(t, s.h.Timeout)
	assert.NoError(t, r.Start(t.Context(), in), "starting a running turn again is not an error")
	blocked.Release()
	fin := f.waitFinish(t, s.h.Timeout, in.TurnID)
	assert.Equal(t, domainchat.StatusCompleted, fin.Status)
	requireSequence(t, f.sequence(in.TurnID), plainSequence, "the turn ran once")
	assert.Len(t, f.callsTo(in.TurnID, chat.StepReply), 1)
}

func (s suite) concurrentTurns(t *testing.T) {
	f := newFake()
	r := s.h.NewRunner(t, f.steps())
	turns := make([]chat.TurnInput, 8)
	for i := range turns {
		turns[i] = newTurn(domainchat.Options{})
		require.NoError(t, r.Start(t.Context(), turns[i]))
	}
	seen := map[domain.ID]bool{}
	for _, in := range turns {
		fin := f.waitFinish(t, s.h.Timeout, in.TurnID)
		assert.Equal(t, domainchat.StatusCompleted, fin.Status)
		assert.Equal(t, f.messageOf(in.TurnID), fin.MessageID)
		assert.False(t, seen[fin.MessageID], "each turn saves its own message")
		seen[fin.MessageID] = true
		requireSequence(t, f.sequence(in.TurnID), plainSequence, "steps")
	}
}

func attempts(calls []call) []int {
	var out []int
	for _, c := range calls {
		out = append(out, c.Attempt)
	}
	return out
}
