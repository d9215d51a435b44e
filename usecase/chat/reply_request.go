package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/llm"
)

// prompter builds the model request of a reply, for the reply and plan steps.
type prompter struct {
	tokens    TokenCounter
	limits    Limits
	summaries SummaryReader // nil: no summaries
}

// request builds the model request of a reply: system prompt, the history that fits, the card's
// post-history instructions and the message answered — once.
func (p prompter) request(ctx context.Context, tc turnContext) (llm.Request, error) {
	spec := tc.comp.Profile().Spec()
	ps := spec.Persona
	deep := tc.turn.Options().DeepThink
	params := replyParams(ps.SpeechStyle, ps.IntimacyPace, ps.ConfidenceLevel, ps.Archetype, deep)
	sampling := tc.turn.Options().Sampling.Bounded()
	params = params.with(sampling)
	lore, err := p.lore(ctx, tc)
	if err != nil {
		return llm.Request{}, err
	}
	tc.facts.Lore = lore
	sys := systemPrompt(tc.facts, "")
	user := llmMessage(tc.user, tc.facts)
	var nudge *llm.Message
	if user.Role == llm.Assistant {
		// In a room, a companion let to speak right after itself: its own message closes the
		// conversation, and a line asks it to go on (a request ends with a person's turn).
		nudge = &llm.Message{Role: llm.User, Content: "[" + defaultPostHistory(tc.facts) + "]"}
	} else if post := postHistory(tc.facts); post != "" {
		user.Content += "\n\n[" + post + "]"
	}
	fixed := p.tokens.Count(sys) + p.tokens.Count(user.Content) + 2*perMessageTokens
	if nudge != nil {
		fixed += p.tokens.Count(nudge.Content) + perMessageTokens
	}
	budget := p.limits.ContextTokens - params.MaxTokens - fixed
	if !deep {
		budget = min(budget, p.limits.HistoryTokens)
	}
	hist, err := fitHistory(ctx, tc.recent, p.tokens, domain.Cursor{At: tc.user.CreatedAt, ID: tc.user.ID}, budget, tc.facts)
	if err != nil {
		return llm.Request{}, err
	}
	if err := p.withSummary(ctx, &tc, &hist, budget); err != nil {
		return llm.Request{}, err
	}
	if tc.facts.Summary != "" {
		sys = systemPrompt(tc.facts, "")
	}
	// The example dialogue and the greeting belong to the start of a conversation: they go in
	// while the whole conversation fits, and make room for it once it does not.
	if !hist.Omitted {
		left := budget - hist.Tokens
		if ex := tc.facts.m.expand(spec.ExampleDialogue); ex != "" && p.tokens.Count(ex) <= left {
			sys = systemPrompt(tc.facts, ex)
			left -= p.tokens.Count(ex)
		}
		if g := tc.facts.m.expand(spec.Greeting); g != "" && tc.facts.Room == nil && p.tokens.Count(g)+perMessageTokens <= left {
			hist.Messages = append([]llm.Message{{Role: llm.Assistant, Content: g}}, hist.Messages...)
		}
	}
	msgs := make([]llm.Message, 0, len(hist.Messages)+2)
	msgs = append(msgs, llm.Message{Role: llm.System, Content: sys})
	msgs = append(msgs, hist.Messages...)
	msgs = append(msgs, user)
	if nudge != nil {
		msgs = append(msgs, *nudge)
	}
	temp := params.Temperature
	return llm.Request{Messages: mergeRoles(msgs), MaxTokens: params.MaxTokens, Temperature: &temp, TopP: sampling.TopP,
		Stop: sampling.Stop}, nil
}
