package chat

import (
	"context"
)

// summaryShare bounds the running summary in a reply's prompt: at most half of the history's
// budget, however long the model wrote it, so it never crowds out the recent conversation.
const summaryShare = 2

// summaryHeading introduces the summary in the system prompt.
const summaryHeading = "EARLIER IN YOUR CONVERSATION (a summary of what came before the messages below)"

// withSummary puts the companion's running summary into a reply's prompt when the conversation no
// longer fits (hist left messages out): ahead of the history, which gives up its oldest messages
// for it if it must. A stale summary (one of the messages it tells of changed) is left out until
// the next one replaces it, as is one that would take more than its share of budget. A summary
// that cannot be read costs the reply its summary, not the reply: only an ended context fails it.
func (p prompter) withSummary(ctx context.Context, tc *turnContext, hist *fittedHistory, budget int) error {
	if p.summaries == nil || !hist.Omitted || tc.facts.Room != nil { // a room has no running summary
		return nil
	}
	s, ok, err := p.summaries.Get(ctx, tc.turn.OwnerID(), tc.comp.ID())
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return nil
	}
	if !ok || s.Stale || s.Text == "" {
		return nil
	}
	need := p.tokens.Count(summaryHeading) + p.tokens.Count(s.Text) + 2
	if need > budget/summaryShare {
		return nil
	}
	left := budget - hist.Tokens
	for left < need && len(hist.Messages) > 0 {
		n := p.tokens.Count(hist.Messages[0].Content) + perMessageTokens
		hist.Messages, hist.Tokens, left = hist.Messages[1:], hist.Tokens-n, left+n
	}
	tc.facts.Summary = s.Text
	return nil
}
