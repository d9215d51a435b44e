package chat

import (
	"context"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/llm"
)

// maxPlan bounds DeepThink's plan (in bytes) before it goes into the reply prompt.
const maxPlan = 1500

type planStep struct {
	turns
	prompts prompter
	model   llm.Model
}

// run is DeepThink's hidden planning call: a few lines on what the reply should do.
func (s planStep) run(ctx context.Context, in PlanInput) (PlanOutput, error) {
	tc, err := s.load(ctx, in.TurnID)
	if err != nil {
		return PlanOutput{}, err
	}
	ctx = forTurn(ctx, tc.turn)
	if err := s.advance(ctx, in.TurnID, chat.StatusPlanning, 30); err != nil {
		return PlanOutput{}, err
	}
	req, err := s.prompts.request(ctx, tc)
	if err != nil {
		return PlanOutput{}, err
	}
	last := &req.Messages[len(req.Messages)-1] // the message answered
	last.Content += "\n\n[" + planInstruction(tc.facts) + "]"
	req.MaxTokens = 250
	plan, _, err := s.model.Complete(ctx, req)
	if err != nil {
		return PlanOutput{}, err
	}
	return PlanOutput{Plan: domain.Truncate(strings.TrimSpace(plan), maxPlan)}, nil
}
