package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/llm"
)

// analyzerHistory is how many messages before the one answered the analyser sees.
const analyzerHistory = 8

type analyzeStep struct {
	turns
	model llm.Model
}

// run reads the scene the exchange — the person's message and the reply — leaves behind (SPEC
// §3.3 step 3), after the reply was streamed: no one waits for it to read a first word. An answer
// it cannot read is not an error — it gives a failed analysis, which keeps the scene — but a model
// that does not answer is, so the executor retries it.
func (s analyzeStep) run(ctx context.Context, in AnalyzeInput) (Analysis, error) {
	tc, err := s.load(ctx, in.TurnID)
	if err != nil {
		return Analysis{}, err
	}
	ctx = forTurn(ctx, tc.turn)
	if err := s.advance(ctx, in.TurnID, chat.StatusAnalyzing, 60); err != nil {
		return Analysis{}, err
	}
	reply, err := s.store.Turns().Draft(ctx, in.TurnID)
	if err != nil {
		return Analysis{}, err
	}
	recent, err := tc.recent(ctx, domain.Cursor{At: tc.user.CreatedAt, ID: tc.user.ID}, analyzerHistory)
	if err != nil {
		return Analysis{}, err
	}
	zero := 0.2
	raw, _, err := s.model.Complete(ctx, llm.Request{
		Messages:    analyzerPrompt(tc.facts, recent, tc.user.Author, tc.user.Text, reply),
		MaxTokens:   500,
		Temperature: &zero,
		JSON:        true,
	})
	if err != nil {
		return Analysis{}, err
	}
	a := ParseAnalysis(raw)
	if a.Failed {
		s.obs.AnalysisUnreadable(ctx, in.TurnID)
	}
	return a, nil
}
