package memory_test

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/usecase/llm"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// fakeStore keeps memories in a map; Search scores by the share of the query's words a memory
// holds (normalised to the best), which is enough to test what the use cases do with scores.
type fakeStore struct {
	mu       sync.Mutex
	mems     map[domain.ID]memory.Memory
	vectors  map[domain.ID]memoryuc.Vector
	recalled []domain.ID
}

func newStore() *fakeStore {
	return &fakeStore{mems: map[domain.ID]memory.Memory{}, vectors: map[domain.ID]memoryuc.Vector{}}
}

func (s *fakeStore) Create(_ context.Context, m memory.Memory) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.mems {
		if o.CompanionID == m.CompanionID && memory.Key(o.Text) == memory.Key(m.Text) {
			return domain.Errorf(domain.KindConflict, "same key")
		}
	}
	s.mems[m.ID] = m
	return nil
}

func (s *fakeStore) Get(_ context.Context, owner, id domain.ID) (memory.Memory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.mems[id]
	if !ok || m.OwnerID != owner {
		return memory.Memory{}, memory.ErrNotFound
	}
	return m, nil
}

func (s *fakeStore) Update(_ context.Context, m memory.Memory) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.mems[m.ID]; !ok {
		return memory.ErrNotFound
	}
	s.mems[m.ID] = m
	return nil
}

func (s *fakeStore) Delete(_ context.Context, owner, id domain.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.mems[id]; !ok || m.OwnerID != owner {
		return memory.ErrNotFound
	}
	delete(s.mems, id)
	return nil
}

func (s *fakeStore) of(owner, comp domain.ID) []memory.Memory {
	var out []memory.Memory
	for _, m := range s.mems {
		if m.OwnerID == owner && m.CompanionID == comp {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b memory.Memory) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out
}

func (s *fakeStore) List(_ context.Context, f memory.Filter, _ domain.Page) ([]memory.Memory, domain.Cursor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.of(f.OwnerID, f.CompanionID), domain.Cursor{}, nil
}

func (s *fakeStore) ByIDs(_ context.Context, owner domain.ID, ids []domain.ID) ([]memory.Memory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []memory.Memory
	for _, id := range ids {
		if m, ok := s.mems[id]; ok && m.OwnerID == owner {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s *fakeStore) ByKey(_ context.Context, owner, comp domain.ID, key string) (memory.Memory, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.of(owner, comp) {
		if memory.Key(m.Text) == key {
			return m, true, nil
		}
	}
	return memory.Memory{}, false, nil
}

func (s *fakeStore) Search(_ context.Context, owner, comp domain.ID, query string, limit int) ([]memoryuc.Scored, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	words := strings.Fields(strings.ToLower(query))
	var out []memoryuc.Scored
	best := 0.0
	for _, m := range s.of(owner, comp) {
		text, n := " "+memory.Key(m.Text)+" ", 0
		for _, w := range words {
			if strings.Contains(text, " "+w) {
				n++
			}
		}
		if n > 0 {
			sc := float64(n) / float64(len(words))
			best = max(best, sc)
			out = append(out, memoryuc.Scored{Memory: m, Lexical: sc})
		}
	}
	for i := range out {
		out[i].Lexical /= best
	}
	slices.SortFunc(out, func(a, b memoryuc.Scored) int {
		if a.Lexical > b.Lexical {
			return -1
		} else if a.Lexical < b.Lexical {
			return 1
		}
		return 0
	})
	return out[:min(len(out), limit)], nil
}

func (s *fakeStore) Pinned(_ context.Context, owner, comp domain.ID) ([]memory.Memory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []memory.Memory
	for _, m := range s.of(owner, comp) {
		if m.Pinned {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s *fakeStore) Recent(_ context.Context, owner, comp domain.ID, limit int) ([]memory.Memory, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.of(owner, comp)
	return all[:min(len(all), limit)], nil
}

func (s *fakeStore) MarkRecalled(_ context.Context, ids []domain.ID, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		m := s.mems[id]
		m.LastRecalled, m.RecallCount = at, m.RecallCount+1
		s.mems[id] = m
		s.recalled = append(s.recalled, id)
	}
	return nil
}

func (s *fakeStore) Wipe(_ context.Context, owner, comp domain.ID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, m := range s.mems {
		if m.OwnerID == owner && m.CompanionID == comp {
			delete(s.mems, id)
			n++
		}
	}
	return n, nil
}

func (s *fakeStore) SetEmbedding(_ context.Context, id domain.ID, _ string, v memoryuc.Vector) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.vectors[id] = v
	return nil
}

func (s *fakeStore) Nearest(_ context.Context, owner, comp domain.ID, _ string, q memoryuc.Vector, minSim float64,
	limit int) ([]memoryuc.Near, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []memoryuc.Near
	for id, v := range s.vectors {
		if m, ok := s.mems[id]; ok && m.OwnerID == owner && m.CompanionID == comp {
			if sim := cosine(q, v); sim >= minSim && sim > 0 {
				out = append(out, memoryuc.Near{ID: id, Similarity: sim})
			}
		}
	}
	slices.SortFunc(out, func(a, b memoryuc.Near) int { return cmp.Compare(b.Similarity, a.Similarity) })
	return out[:min(len(out), limit)], nil
}

// cosine is the cosine similarity of two vectors (0 for vectors of other lengths or no length).
func cosine(a, b memoryuc.Vector) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// fakeCompanions holds companions by id.
type fakeCompanions map[domain.ID]*companion.Companion

func (f fakeCompanions) Get(_ context.Context, owner, id domain.ID) (*companion.Companion, error) {
	c, ok := f[id]
	if !ok || c.OwnerID() != owner {
		return nil, companion.ErrNotFound
	}
	return c, nil
}

// fakeRelationships records the moves and wipes it is asked for.
type fakeRelationships struct {
	mu     sync.Mutex
	moves  [][2]int
	forgot []int
}

func (r *fakeRelationships) Adjust(_ context.Context, _, _ domain.ID, a, t int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.moves = append(r.moves, [2]int{a, t})
	return nil
}

func (r *fakeRelationships) Forgot(_ context.Context, _, _ domain.ID, n int, _ audit.Meta) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forgot = append(r.forgot, n)
	return nil
}

// scriptModel answers every completion with answer and remembers the requests.
type scriptModel struct {
	mu     sync.Mutex
	answer string
	reqs   []llm.Request
}

func (m *scriptModel) Stream(context.Context, llm.Request, func(string) error) (llm.Usage, error) {
	return llm.Usage{}, domain.Errorf(domain.KindInternal, "not streamed")
}

func (m *scriptModel) Complete(_ context.Context, req llm.Request) (string, llm.Usage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = append(m.reqs, req)
	return m.answer, llm.Usage{}, nil
}

// wordVectors embeds texts as bags of words, with synonyms sharing a dimension: "sibling" means
// "sister".
type wordVectors struct{ synonyms map[string]string }

func (e wordVectors) Embed(_ context.Context, texts []string) ([]memoryuc.Vector, error) {
	var out []memoryuc.Vector
	for _, t := range texts {
		v := make(memoryuc.Vector, 64)
		for _, w := range strings.Fields(memory.Key(t)) {
			if s, ok := e.synonyms[w]; ok {
				w = s
			}
			h := 0
			for _, r := range w {
				h = (h*31 + int(r)) % 64
			}
			v[h]++
		}
		out = append(out, v)
	}
	return out, nil
}
