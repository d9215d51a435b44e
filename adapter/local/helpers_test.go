package local_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/chat"
)

// pipeline is a table of fake steps for the real chat.RunTurn: each step records its call and
// answers with its output type's zero value (persist with a new message id), unless a hook says
// otherwise. Hooks are set before the steps are handed out.
type pipeline struct {
	hooks map[chat.StepName]func(ctx context.Context, in any) error

	mu       sync.Mutex
	calls    []stepCall
	finished chan chat.FinishInput
}

type stepCall struct {
	turn    domain.ID
	step    chat.StepName
	attempt int
}

func newPipeline() *pipeline {
	return &pipeline{hooks: map[chat.StepName]func(context.Context, any) error{}, finished: make(chan chat.FinishInput, 64)}
}

func (p *pipeline) steps() []chat.Step {
	outputs := map[chat.StepName]func() any{
		chat.StepAnalyze: func() any { return chat.Analysis{} },
		chat.StepRecall:  func() any { return chat.RecallOutput{} },
		chat.StepPlan:    func() any { return chat.PlanOutput{} },
		chat.StepReply:   func() any { return chat.ReplyOutput{Chars: 5} },
		chat.StepPersist: func() any { return chat.PersistOutput{MessageID: domain.NewID(time.Now())} },
		chat.StepExtract: func() any { return chat.Empty{} },
		chat.StepPicture: func() any { return chat.Empty{} },
		chat.StepSpeak:   func() any { return chat.Empty{} },
		chat.StepFinish:  func() any { return chat.Empty{} },
	}
	var out []chat.Step
	for name, output := range outputs {
		out = append(out, chat.Step{Name: name, Call: func(ctx context.Context, in any) (any, error) {
			p.mu.Lock()
			p.calls = append(p.calls, stepCall{turn: turnOf(in), step: name, attempt: chat.AttemptFrom(ctx)})
			p.mu.Unlock()
			if h := p.hooks[name]; h != nil {
				if err := h(ctx, in); err != nil {
					return nil, err
				}
			}
			if fin, ok := in.(chat.FinishInput); ok {
				p.finished <- fin
			}
			return output(), nil
		}})
	}
	return out
}

// turnOf reads the turn id every step input carries.
func turnOf(in any) domain.ID {
	switch v := in.(type) {
	case chat.AnalyzeInput:
		return v.TurnID
	case chat.RecallInput:
		return v.TurnID
	case chat.PlanInput:
		return v.TurnID
	case chat.ReplyInput:
		return v.TurnID
	case chat.PersistInput:
		return v.TurnID
	case chat.SideInput:
		return v.TurnID
	case chat.FinishInput:
		return v.TurnID
	}
	return domain.ID{}
}

// stepsOf lists the steps the turn called, in order.
func (p *pipeline) stepsOf(turn domain.ID) []chat.StepName {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []chat.StepName
	for _, c := range p.calls {
		if c.turn == turn {
			out = append(out, c.step)
		}
	}
	return out
}

// waitFinish waits for the next finish step to record an outcome.
func (p *pipeline) waitFinish(t *testing.T) chat.FinishInput {
	t.Helper()
	select {
	case fin := <-p.finished:
		return fin
	case <-time.After(10 * time.Second):
		t.Fatal("no turn finished")
		return chat.FinishInput{}
	}
}

// gate is a hook that reports each call on entered and blocks it until the test opens the gate
// or the step's context ends.
type gate struct {
	entered chan domain.ID
	open    chan struct{}
	once    sync.Once
}

func newGate(t *testing.T) *gate {
	g := &gate{entered: make(chan domain.ID, 16), open: make(chan struct{})}
	t.Cleanup(g.Open)
	return g
}

func (g *gate) hook(ctx context.Context, in any) error {
	g.entered <- turnOf(in)
	select {
	case <-g.open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) Open() { g.once.Do(func() { close(g.open) }) }

// wait waits for a call to enter the gate and returns its turn.
func (g *gate) wait(t *testing.T) domain.ID {
	t.Helper()
	select {
	case id := <-g.entered:
		return id
	case <-time.After(10 * time.Second):
		t.Fatal("no step entered the gate")
		return domain.ID{}
	}
}

func newTurn() chat.TurnInput {
	now := time.Now()
	return chat.TurnInput{TurnID: domain.NewID(now), OwnerID: domain.NewID(now), CompanionID: domain.NewID(now)}
}
