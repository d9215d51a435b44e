package chat

import (
	"context"
	"slices"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// defaultLoreBudget bounds the lorebook entries of one prompt, in tokens, for a book that sets no
// budget of its own; a book's own is held to loreShare of the history's budget at most.
const (
	defaultLoreBudget = 512
	loreShare         = 4 // at most a quarter of the history's tokens
)

// lore is what a card's lorebook brings into a reply's prompt (character card spec V2): the
// entries the latest messages mention (and the constant ones), most important first, as many as
// fit the budget, in insertion order, their {{char}} and {{user}} macros expanded.
func (p prompter) lore(ctx context.Context, tc turnContext) ([]string, error) {
	raw := tc.comp.Profile().Spec().Card.CharacterBook
	if len(raw) == 0 {
		return nil, nil
	}
	book := companion.ParseLorebook(raw)
	if len(book.Entries) == 0 {
		return nil, nil
	}
	depth := book.ScanDepth
	if depth <= 0 {
		depth = companion.DefaultScanDepth
	}
	texts := []string{tc.user.Text}
	if depth > 1 {
		before, err := tc.recent(ctx, domain.Cursor{At: tc.user.CreatedAt, ID: tc.user.ID}, depth-1)
		if err != nil {
			return nil, err
		}
		for _, m := range before {
			texts = append(texts, m.Text)
		}
	}
	budget := book.TokenBudget
	if budget <= 0 {
		budget = defaultLoreBudget
	}
	budget = min(budget, p.limits.HistoryTokens/loreShare)
	var kept []companion.LoreEntry
	for _, e := range book.Active(texts) {
		if n := p.tokens.Count(e.Content); n <= budget {
			budget -= n
			kept = append(kept, e)
		}
	}
	// Kept by importance, told in the book's order.
	slices.SortStableFunc(kept, func(a, b companion.LoreEntry) int { return a.InsertionOrder - b.InsertionOrder })
	out := make([]string, 0, len(kept))
	for _, e := range kept {
		out = append(out, tc.facts.m.expand(e.Content))
	}
	return out, nil
}
