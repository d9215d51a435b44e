package chat

import (
	"context"
	"errors"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/memory"
)

// recallLimit is how many memories a reply is given.
const recallLimit = 8

type recallStep struct {
	turns
	recall Recaller
}

// run finds the memories relevant to the message (SPEC §3.5), through the memory feature.
func (s recallStep) run(ctx context.Context, in RecallInput) (RecallOutput, error) {
	t, err := s.running(ctx, in.TurnID)
	if err != nil {
		return RecallOutput{}, err
	}
	if err := s.advance(ctx, t.ID(), chat.StatusRecalling, 25); err != nil {
		return RecallOutput{}, err
	}
	u, err := s.store.Messages().Get(ctx, t.OwnerID(), t.UserMessageID())
	if err != nil {
		return RecallOutput{}, err
	}
	mems, err := s.recall.Handle(ctx, memory.Recall{OwnerID: t.OwnerID(), CompanionID: t.CompanionID(), Query: u.Text,
		Limit: recallLimit})
	if errors.Is(err, usecase.ErrNotConfigured) {
		return RecallOutput{}, nil
	}
	return RecallOutput{Memories: mems}, err
}
