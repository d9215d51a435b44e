package memory

import (
	"context"
	"fmt"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/usecase/llm"
)

// Extraction (SPEC §3.5, reference §2.15.1): one JSON call over the exchange, with the memories it
// may touch; at most maxLearnt kept, each at least memory.KeepImportance; a fact the companion
// knows already is not stored twice, and a newer value of one it knows replaces it.
const (
	maxLearnt   = 5
	related     = 8    // memories shown to the model, which it may say a new one replaces
	sameMeaning = 0.92 // cosine above which a new memory is one the companion has
)

type learnHandler struct{ d Deps }

func (h learnHandler) Handle(ctx context.Context, in Learn) (struct{}, error) {
	c, err := h.d.Companions.Get(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return struct{}{}, err
	}
	var known []memory.Memory
	if q := searchable(in.UserMessage.Text + " " + in.Reply.Text); q != "" {
		hits, err := h.d.Store.Search(ctx, in.OwnerID, in.CompanionID, q, related)
		if err != nil {
			return struct{}{}, err
		}
		for _, hit := range hits {
			known = append(known, hit.Memory)
		}
	}
	temp := 0.2
	raw, _, err := h.d.Model.Complete(ctx, llm.Request{
		Messages:  []llm.Message{{Role: llm.System, Content: extractSystem}, {Role: llm.User, Content: extractPrompt(c.Profile().Name(), in, known)}},
		MaxTokens: 600, Temperature: &temp, JSON: true,
	})
	if err != nil {
		return struct{}{}, err
	}
	found := parseExtraction(raw)
	if err := h.keep(ctx, in, found.memories, known); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.d.Relationships.Adjust(ctx, in.OwnerID, in.CompanionID, found.affection, found.trust)
}

// keep stores the candidates worth keeping: new facts as new memories, newer values in place of
// the memories they replace, what the companion knows already not at all.
func (h learnHandler) keep(ctx context.Context, in Learn, cands []candidate, known []memory.Memory) error {
	now := h.d.Clock.Now()
	kept := 0
	// A fact the batch replaces with a newer value is not learnt again in the same batch.
	replaced := map[string]bool{}
	for _, cand := range cands {
		if cand.replaces >= 1 && cand.replaces <= len(known) {
			replaced[memory.Key(known[cand.replaces-1].Text)] = true
		}
	}
	seen := meanings{d: h.d, in: in}
	for _, cand := range cands {
		if kept == maxLearnt {
			break
		}
		spec, err := memory.Spec{Text: cand.text, Category: cand.category, Importance: cand.importance}.Check()
		if err != nil || spec.Importance < memory.KeepImportance || replaced[memory.Key(spec.Text)] {
			continue
		}
		if _, dup, err := h.d.Store.ByKey(ctx, in.OwnerID, in.CompanionID, memory.Key(spec.Text)); err != nil {
			return err
		} else if dup {
			continue
		}
		if cand.replaces >= 1 && cand.replaces <= len(known) {
			old := known[cand.replaces-1]
			spec.Pinned = old.Pinned
			updated, err := old.Apply(spec, now)
			if err != nil {
				continue
			}
			if err := h.d.Store.Update(ctx, updated); err != nil && !domain.IsKind(err, domain.KindConflict) && !domain.IsKind(err, domain.KindNotFound) {
				return err
			}
			h.d.embed(ctx, updated)
			kept++
			continue
		}
		if seen.known(ctx, spec.Text) {
			continue
		}
		m, err := memory.New(domain.NewID(now), in.OwnerID, in.CompanionID, spec, []domain.ID{in.UserMessage.ID}, now)
		if err != nil {
			continue
		}
		if err := h.d.Store.Create(ctx, m); err != nil {
			if domain.IsKind(err, domain.KindConflict) {
				continue
			}
			return err
		}
		h.d.embed(ctx, m)
		kept++
	}
	return nil
}

// meanings tells whether the companion has a memory meaning the same as a text (only with an
// embedder; a failure to tell is "no"). What the exchange stores is in the store already, so a
// second candidate meaning the same as the first is found too.
type meanings struct {
	d  Deps
	in Learn
}

func (m meanings) known(ctx context.Context, text string) bool {
	if m.d.Embedder == nil {
		return false
	}
	q, err := m.d.Embedder.Embed(ctx, []string{text})
	if err != nil || len(q) != 1 {
		return false
	}
	same, err := m.d.Store.Nearest(ctx, m.in.OwnerID, m.in.CompanionID, m.d.EmbedderName, q[0], sameMeaning, 1)
	return err == nil && len(same) > 0
}

const extractSystem = `You keep the long-term memory of a character in a conversation with a person.
From the latest exchange, pick what is worth remembering for weeks: facts about the person (name,
family, work, home, plans, dates), their preferences, events in their life, milestones of the
relationship, and emotional moments (written from the character's side). Not temporary states
(mood, clothes, where they are right now), not roleplay narration, not guesses.
Each memory: at most 150 characters, timeless wording ("Has a sister named Zelda", not "I just
learnt..."), a category (personal_fact, preference, event, relationship, emotional_moment) and an
importance from 1 (trivial) to 10 (critical); 4 or more is worth keeping. At most 5, often none.
If a memory is a newer value of one already known (listed below, numbered), say which with
"replaces": its number ("Moved to Lyon" replaces "Lives in Paris").
Also say how the exchange moved the relationship: affection_delta and trust_delta from -3 to 3
(0: no change; 2 or 3 only for a significant moment; negative for hurt, betrayal, dismissiveness).
Answer with ONLY this JSON:
{"memories":[{"content":"...","category":"...","importance":5,"replaces":0}],"relationship":{"affection_delta":0,"trust_delta":0}}`

// extractPrompt is the exchange and what the companion knows that it may touch.
func extractPrompt(name string, in Learn, known []memory.Memory) string {
	var b strings.Builder
	if len(known) > 0 {
		b.WriteString("Already known:\n")
		for i, m := range known {
			fmt.Fprintf(&b, "%d. %s\n", i+1, m.Text)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "The person: %s\n%s: %s\n", in.UserMessage.Text, name, in.Reply.Text)
	return b.String()
}
