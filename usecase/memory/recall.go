package memory

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
)

// Recall scores (SPEC §3.5): relevance to the message — the full-text score, or the similarity of
// meaning when an embedder is configured, whichever is higher — then how recent and how important
// a memory is. A memory less relevant than minRelevance is not recalled however recent or
// important: recalling the wrong thing is worse than recalling nothing.
const (
	defaultEmbedTimeout = 150 * time.Millisecond
	candidates          = 50   // per source (full text, meaning) before scoring
	minRelevance        = 0.25 // of 1
	minSimilarity       = 0.30 // cosine below which two texts are unrelated
	weightRelevance     = 0.7
	weightRecency       = 0.15
	weightImportance    = 0.15
	recencyScale        = 30 * 24 * time.Hour // a month-old memory counts e⁻¹ of a new one
)

type recallHandler struct{ d Deps }

func (h recallHandler) Handle(ctx context.Context, in Recall) ([]string, error) {
	limit := in.Limit
	if limit <= 0 {
		limit = 10
	}
	now := h.d.Clock.Now()
	notes, told, err := h.d.command(ctx, in, now) // "remember that …", "forget that …"
	if err != nil {
		return nil, err
	}
	pinned, err := h.d.Store.Pinned(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return nil, err
	}
	scored, err := h.d.score(ctx, in.OwnerID, in.CompanionID, in.Query, now)
	if err != nil {
		return nil, err
	}
	out := append([]string(nil), notes...)
	var ids []domain.ID
	seen := map[domain.ID]bool{told: true} // the memory just made is in its note already
	take := func(m memory.Memory) {
		if len(out) < limit && !seen[m.ID] {
			seen[m.ID] = true
			out = append(out, m.Text)
			ids = append(ids, m.ID)
		}
	}
	for _, m := range pinned {
		take(m)
	}
	for _, s := range scored {
		take(s.memory)
	}
	if len(ids) > 0 {
		if err := h.d.Store.MarkRecalled(ctx, ids, now); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ranked is a memory with its recall score.
type ranked struct {
	memory    memory.Memory
	relevance float64
	score     float64
}

// score ranks the companion's memories for query, best first, leaving out those not relevant
// enough. Meaning is a bonus: without an embedder, or when it fails or is slow, the full-text
// ranking stands alone.
func (d Deps) score(ctx context.Context, owner, companionID domain.ID, query string, now time.Time) ([]ranked, error) {
	byID := map[domain.ID]*ranked{}
	if q := searchable(query); q != "" {
		hits, err := d.Store.Search(ctx, owner, companionID, q, candidates)
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			byID[h.Memory.ID] = &ranked{memory: h.Memory, relevance: h.Lexical}
		}
	}
	if err := d.byMeaning(ctx, owner, companionID, query, byID); err != nil {
		return nil, err
	}
	var out []ranked
	for _, r := range byID {
		if r.relevance < minRelevance {
			continue
		}
		age := now.Sub(r.memory.UpdatedAt)
		r.score = weightRelevance*r.relevance + weightRecency*math.Exp(-float64(max(age, 0))/float64(recencyScale)) +
			weightImportance*float64(r.memory.Importance)/memory.MaxImportance
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ranked) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return b.memory.CreatedAt.Compare(a.memory.CreatedAt)
	})
	return out, nil
}

// byMeaning adds to byID the memories whose vectors are close to the query's, raising the
// relevance of those already there.
func (d Deps) byMeaning(ctx context.Context, owner, companionID domain.ID, query string, byID map[domain.ID]*ranked) error {
	if d.Embedder == nil || strings.TrimSpace(query) == "" {
		return nil
	}
	ectx, cancel := context.WithTimeout(ctx, d.EmbedTimeout)
	vs, err := d.Embedder.Embed(ectx, []string{query})
	cancel()
	if err != nil || len(vs) != 1 {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return nil // recall goes on by words
	}
	nearest, err := d.Store.Nearest(ctx, owner, companionID, d.EmbedderName, vs[0], minSimilarity, candidates)
	if err != nil {
		return err
	}
	var missing []domain.ID
	for _, n := range nearest {
		if r, ok := byID[n.ID]; ok {
			r.relevance = max(r.relevance, n.Similarity)
		} else {
			missing = append(missing, n.ID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	mems, err := d.Store.ByIDs(ctx, owner, missing)
	if err != nil {
		return err
	}
	sims := map[domain.ID]float64{}
	for _, n := range nearest {
		sims[n.ID] = n.Similarity
	}
	for _, m := range mems {
		if m.CompanionID == companionID {
			byID[m.ID] = &ranked{memory: m, relevance: sims[m.ID]}
		}
	}
	return nil
}
