package runnertest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/chat"
)

// call is one invocation of a fake step.
type call struct {
	Step    chat.StepName
	Detail  string // the status a progress step reports, the phase an analysis runs in
	Attempt int
	In      any
}

// key is how sequences name a call: "chat.reply", or with a label "chat.step:label".
func (c call) key() string {
	if c.Detail == "" {
		return string(c.Step)
	}
	return string(c.Step) + ":" + c.Detail
}

// hook decides what a step does beyond recording itself: nil to succeed, an error to fail. It may
// block (honouring ctx).
type hook func(ctx context.Context, turnID domain.ID) error

// fake is a pipeline of steps that record their calls and answer with fixed outputs, unless a
// hook says otherwise. Hooks are set before the runner gets the steps and never change.
type fake struct {
	hooks map[chat.StepName]hook

	mu       sync.Mutex
	calls    map[domain.ID][]call
	messages map[domain.ID]domain.ID             // the message each turn's persist step saved last
	finished map[domain.ID]chan chat.FinishInput // what finish steps recorded, per turn
}

func newFake() *fake {
	return &fake{
		hooks:    map[chat.StepName]hook{},
		calls:    map[domain.ID][]call{},
		messages: map[domain.ID]domain.ID{},
		finished: map[domain.ID]chan chat.FinishInput{},
	}
}

// Fixed outputs of the fake steps.
var (
	memories = []string{"likes green tea", "has a cat named Miso"}
)

const planText = "ask about the cat"

func replyText(turnID domain.ID) string { return "reply of " + turnID.String() }

// steps are the fake pipeline as executors register it: Fn typed, Call behind any.
func (f *fake) steps() []chat.Step {
	return []chat.Step{
		bind(chat.StepAnalyze, func(ctx context.Context, in chat.AnalyzeInput) (chat.Analysis, error) {
			return chat.Analysis{}, f.record(ctx, in.TurnID, chat.StepAnalyze, "", in)
		}),
		bind(chat.StepRecall, func(ctx context.Context, in chat.RecallInput) (chat.RecallOutput, error) {
			if err := f.record(ctx, in.TurnID, chat.StepRecall, "", in); err != nil {
				return chat.RecallOutput{}, err
			}
			return chat.RecallOutput{Memories: slices.Clone(memories)}, nil
		}),
		bind(chat.StepPlan, func(ctx context.Context, in chat.PlanInput) (chat.PlanOutput, error) {
			if err := f.record(ctx, in.TurnID, chat.StepPlan, "", in); err != nil {
				return chat.PlanOutput{}, err
			}
			return chat.PlanOutput{Plan: planText}, nil
		}),
		bind(chat.StepReply, func(ctx context.Context, in chat.ReplyInput) (chat.ReplyOutput, error) {
			if err := f.record(ctx, in.TurnID, chat.StepReply, "", in); err != nil {
				return chat.ReplyOutput{}, err
			}
			return chat.ReplyOutput{Chars: len(replyText(in.TurnID))}, nil
		}),
		bind(chat.StepPersist, func(ctx context.Context, in chat.PersistInput) (chat.PersistOutput, error) {
			if err := f.record(ctx, in.TurnID, chat.StepPersist, "", in); err != nil {
				return chat.PersistOutput{}, err
			}
			id := domain.NewID(time.Now())
			f.mu.Lock()
			f.messages[in.TurnID] = id
			f.mu.Unlock()
			return chat.PersistOutput{MessageID: id}, nil
		}),
		bind(chat.StepExtract, func(ctx context.Context, in chat.SideInput) (chat.Empty, error) {
			return chat.Empty{}, f.record(ctx, in.TurnID, chat.StepExtract, "", in)
		}),
		bind(chat.StepPicture, func(ctx context.Context, in chat.SideInput) (chat.Empty, error) {
			return chat.Empty{}, f.record(ctx, in.TurnID, chat.StepPicture, "", in)
		}),
		bind(chat.StepSpeak, func(ctx context.Context, in chat.SideInput) (chat.Empty, error) {
			return chat.Empty{}, f.record(ctx, in.TurnID, chat.StepSpeak, "", in)
		}),
		bind(chat.StepFinish, func(ctx context.Context, in chat.FinishInput) (chat.Empty, error) {
			if err := f.record(ctx, in.TurnID, chat.StepFinish, "", in); err != nil {
				return chat.Empty{}, err
			}
			f.finishedOf(in.TurnID) <- in
			return chat.Empty{}, nil
		}),
	}
}

// bind makes a chat.Step of a typed step function, as the chat package does for the real ones.
func bind[I, O any](name chat.StepName, fn func(context.Context, I) (O, error)) chat.Step {
	return chat.Step{Name: name, Fn: fn, Call: func(ctx context.Context, in any) (any, error) {
		v, ok := in.(I)
		if !ok {
			var want I
			return nil, domain.Errorf(domain.KindInternal, "step %s: input %T, want %T", name, in, want)
		}
		return fn(ctx, v)
	}}
}

// record notes a call and runs the step's hook.
func (f *fake) record(ctx context.Context, turnID domain.ID, step chat.StepName, detail string, in any) error {
	f.mu.Lock()
	f.calls[turnID] = append(f.calls[turnID], call{Step: step, Detail: detail, Attempt: chat.AttemptFrom(ctx), In: in})
	f.mu.Unlock()
	if h := f.hooks[step]; h != nil {
		return h(ctx, turnID)
	}
	return nil
}

// finishedOf is the channel the turn's successful finish steps are sent on (room for a few more
// than one, so a runner that finishes twice is caught rather than stuck).
func (f *fake) finishedOf(turnID domain.ID) chan chat.FinishInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch, ok := f.finished[turnID]
	if !ok {
		ch = make(chan chat.FinishInput, 8)
		f.finished[turnID] = ch
	}
	return ch
}

// callsOf returns a copy of the turn's calls so far.
func (f *fake) callsOf(turnID domain.ID) []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls[turnID])
}

// sequence names the turn's calls in order.
func (f *fake) sequence(turnID domain.ID) []string {
	var out []string
	for _, c := range f.callsOf(turnID) {
		out = append(out, c.key())
	}
	return out
}

// callsTo returns the turn's calls of one step.
func (f *fake) callsTo(turnID domain.ID, step chat.StepName) []call {
	var out []call
	for _, c := range f.callsOf(turnID) {
		if c.Step == step {
			out = append(out, c)
		}
	}
	return out
}

func (f *fake) messageOf(turnID domain.ID) domain.ID {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.messages[turnID]
}

// waitFinish waits for the turn's finish step to record its outcome.
func (f *fake) waitFinish(t *testing.T, timeout time.Duration, turnID domain.ID) chat.FinishInput {
	t.Helper()
	select {
	case in := <-f.finishedOf(turnID):
		return in
	case <-time.After(timeout):
		t.Fatalf("turn %s did not finish within %s; its steps: %v", turnID, timeout, f.sequence(turnID))
		return chat.FinishInput{}
	}
}

// signal is a hook that reports when a step starts and then blocks until its context ends or the
// test releases it, whichever is first.
type signal struct {
	started chan domain.ID
	release chan struct{}
	once    sync.Once
}

func newSignal(t *testing.T) *signal {
	s := &signal{started: make(chan domain.ID, 16), release: make(chan struct{})}
	t.Cleanup(s.Release)
	return s
}

func (s *signal) hook(ctx context.Context, turnID domain.ID) error {
	s.started <- turnID
	select {
	case <-ctx.Done():
		return fmt.Errorf("stopped while blocked: %w", ctx.Err())
	case <-s.release:
		return nil
	}
}

// Release lets every blocked and future call go on.
func (s *signal) Release() { s.once.Do(func() { close(s.release) }) }

// wait waits for a call of the hooked step to start and returns its turn.
func (s *signal) wait(t *testing.T, timeout time.Duration) domain.ID {
	t.Helper()
	select {
	case id := <-s.started:
		return id
	case <-time.After(timeout):
		t.Fatalf("the blocking step did not start within %s", timeout)
		return domain.ID{}
	}
}
