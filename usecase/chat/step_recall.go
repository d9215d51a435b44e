package chat

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/memory"
)

// recallLimit is how many memories a reply is given (SPEC §3.5: pinned ones first, then the most
// relevant).
const recallLimit = 10

type recallStep struct {
	turns
	recall Recaller
	memory Feature       // nil: ask recall every turn
	budget time.Duration // the longest the reply waits for memories
}

type recalled struct {
	memories []string
	err      error
}

// run finds the memories relevant to the message (SPEC §3.3 step 1, §3.5), through the memory
// feature, within its budget: a recall that outlives it is cut off — the reply goes ahead without
// memories, and the observer hears of it — whether or not the feature heeds its context. A
// companion whose Memory setting is off recalls nothing.
func (s recallStep) run(ctx context.Context, in RecallInput) (RecallOutput, error) {
	if s.memory != nil && !s.memory.Configured() {
		return RecallOutput{}, nil // nothing to recall: not even a progress to tell before the first word
	}
	t, err := s.running(ctx, in.TurnID)
	if err != nil {
		return RecallOutput{}, err
	}
	ctx = forTurn(ctx, t)
	if on, err := s.remembers(ctx, t); err != nil || !on {
		return RecallOutput{}, err // off: as for a hub that cannot remember, no progress either
	}
	// Told, not recorded: the recall lasts a quarter of a second at most, and a write before the
	// first word would cost every reply a database round trip (the turn's recorded status goes
	// from queued to responding).
	if err := s.publish(ctx, t.ID(), 0, chat.Progress{Status: chat.StatusRecalling, Percent: 25}); err != nil && ctx.Err() != nil {
		return RecallOutput{}, context.Cause(ctx)
	}
	u, err := s.answered(ctx, s.store, t)
	if err != nil {
		return RecallOutput{}, err
	}
	rctx, cancel := context.WithTimeout(ctx, s.budget)
	defer cancel()
	done := make(chan recalled, 1) // never blocks a recall that finishes after the cut
	go func() {
		mems, err := s.recall.Handle(rctx, memory.Recall{OwnerID: t.OwnerID(), CompanionID: t.CompanionID(),
			Query: u.Text, Limit: recallLimit})
		done <- recalled{mems, err}
	}()
	var r recalled
	select {
	case r = <-done:
	case <-rctx.Done():
		if ctx.Err() != nil {
			return RecallOutput{}, context.Cause(ctx)
		}
		s.obs.RecallCutOff(ctx, t.ID(), s.budget)
		return RecallOutput{}, nil
	}
	switch {
	case errors.Is(r.err, usecase.ErrNotConfigured):
		return RecallOutput{}, nil
	case r.err != nil && rctx.Err() != nil && ctx.Err() == nil:
		s.obs.RecallCutOff(ctx, t.ID(), s.budget) // it heeded the budget and gave up
		return RecallOutput{}, nil
	}
	return RecallOutput{Memories: r.memories}, r.err
}
