package temporalwf_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/domain"
	domainchat "github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/chat"
)

// timedSteps are a turn's steps that answer at once, unless a hook makes them fail, and record
// when each attempt of each step started and what the finish step recorded.
type timedSteps struct {
	hooks map[chat.StepName]func(attempt int) error // set before the worker starts

	mu       sync.Mutex
	starts   map[chat.StepName][]time.Time
	finished chan chat.FinishInput
}

func newTimedSteps() *timedSteps {
	return &timedSteps{hooks: map[chat.StepName]func(int) error{}, starts: map[chat.StepName][]time.Time{},
		finished: make(chan chat.FinishInput, 4)}
}

func (s *timedSteps) enter(ctx context.Context, name chat.StepName) error {
	s.mu.Lock()
	s.starts[name] = append(s.starts[name], time.Now())
	s.mu.Unlock()
	if h := s.hooks[name]; h != nil {
		return h(chat.AttemptFrom(ctx))
	}
	return nil
}

func (s *timedSteps) startsOf(name chat.StepName) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.starts[name])
}

// answer is a step that records when its attempt started and answers out.
func answer[I, O any](s *timedSteps, name chat.StepName, out O) chat.Step {
	return chat.Step{Name: name, Fn: func(ctx context.Context, _ I) (O, error) {
		var zero O
		if err := s.enter(ctx, name); err != nil {
			return zero, err
		}
		return out, nil
	}}
}

func (s *timedSteps) table() []chat.Step {
	return []chat.Step{
		answer[chat.AnalyzeInput](s, chat.StepAnalyze, chat.Analysis{}),
		answer[chat.RecallInput](s, chat.StepRecall, chat.RecallOutput{}),
		answer[chat.PlanInput](s, chat.StepPlan, chat.PlanOutput{}),
		answer[chat.ReplyInput](s, chat.StepReply, chat.ReplyOutput{Chars: 5}),
		answer[chat.PersistInput](s, chat.StepPersist, chat.PersistOutput{MessageID: domain.NewID(time.Now())}),
		answer[chat.SideInput](s, chat.StepExtract, chat.Empty{}),
		answer[chat.SideInput](s, chat.StepPicture, chat.Empty{}),
		answer[chat.SideInput](s, chat.StepSpeak, chat.Empty{}),
		{Name: chat.StepFinish, Fn: func(ctx context.Context, in chat.FinishInput) (chat.Empty, error) {
			if err := s.enter(ctx, chat.StepFinish); err != nil {
				return chat.Empty{}, err
			}
			s.finished <- in
			return chat.Empty{}, nil
		}},
	}
}

// run starts a worker of s whose pauses between attempts are a thousandth of the policies', runs
// a turn on it and returns what its finish step recorded.
func (s *timedSteps) run(t *testing.T) chat.FinishInput {
	t.Helper()
	r, _ := startWorker(t, s.table(), temporalwf.WorkerOptions{StopTimeout: time.Second, BackoffScale: fastBackoff})
	id := domain.NewID(time.Now())
	require.NoError(t, r.Start(t.Context(), chat.TurnInput{TurnID: id, OwnerID: id, CompanionID: id}))
	select {
	case fin := <-s.finished:
		return fin
	case <-time.After(30 * time.Second):
		t.Fatalf("the turn did not finish within 30s; attempts of the reply: %d", len(s.startsOf(chat.StepReply)))
		return chat.FinishInput{}
	}
}

// The scale shortens our backoffs, never a provider's Retry-After: on either kind of activity the
// next attempt waits at least as long as the error asked, where the scaled backoff is a few
// milliseconds. Persist is a local activity, retried by the worker; the reply a remote one,
// retried by the server, which spaces an activity's attempts a second apart at least (observed
// on the dev server, whatever the policy's interval), so the reply's Retry-After is longer than
// that second: otherwise the check would pass even if the Retry-After were lost.
func TestRetryAfterOutlastsTheBackoffScale(t *testing.T) {
	t.Parallel()
	waits := map[chat.StepName]time.Duration{chat.StepPersist: 300 * time.Millisecond, chat.StepReply: 1500 * time.Millisecond}
	s := newTimedSteps()
	for step, wait := range waits {
		busy := domain.E(domain.KindRateLimited, "rate_limited", "the model is busy").WithRetryAfter(wait)
		s.hooks[step] = func(attempt int) error {
			if attempt == 1 {
				return busy
			}
			return nil
		}
	}
	fin := s.run(t)

	assert.Equal(t, domainchat.StatusCompleted, fin.Status, "the second attempts succeed")
	for step, wait := range waits {
		starts := s.startsOf(step)
		require.Len(t, starts, 2, "%s: a rate-limited attempt, then one that succeeds", step)
		assert.GreaterOrEqual(t, starts[1].Sub(starts[0]), wait, "%s: the retry waited out the Retry-After", step)
	}
}

// A model that stays down fails the turn once the reply policy's attempts ran out, and the finish
// step records why.
func TestModelDownFailsTheTurnAfterEveryAttempt(t *testing.T) {
	t.Parallel()
	s := newTimedSteps()
	s.hooks[chat.StepReply] = func(int) error {
		return domain.E(domain.KindUnavailable, "model_down", "the model is unavailable")
	}
	fin := s.run(t)

	assert.Equal(t, domainchat.StatusFailed, fin.Status)
	assert.Equal(t, "unavailable", fin.ErrorCode)
	assert.NotEmpty(t, fin.ErrorMessage)
	assert.True(t, fin.MessageID.IsZero(), "a failed turn saved nothing")
	assert.Len(t, s.startsOf(chat.StepReply), chat.Policies[chat.StepReply].Attempts, "every attempt the reply policy allows")
	assert.Empty(t, s.startsOf(chat.StepPersist), "nothing is saved without a reply")
}
