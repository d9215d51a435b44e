package sqlstore

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/companionhub/companionhub/domain"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// The in-process search by meaning: SQLite's, and PostgreSQL's without pgvector. Loading a
// companion's 10 000 vectors costs tens of milliseconds (the query, 10 MB scanned, decoded), far
// over a recall's budget (SPEC §4 P5: 10 ms p99), so a companion's vectors stay decoded in memory,
// normalised once, between recalls. Each recall reads the companion's generation
// (memory_vector_generations, kept by triggers, migration 00014): while it is the one the vectors
// were read at, they are the database's — whatever wrote since, this process or another. A vector
// this store sets is added to them in place when the generation moved by exactly that write; any
// other change reads them all again.

// vectorCacheBytes bounds the decoded vectors kept (the least recently searched companions go
// first): about 25 companions of 10 000 memories with 256-dimension vectors, 4 with OpenAI's 1536.
const vectorCacheBytes = 256 << 20

// vectorCache is a DB's decoded vectors, by owner, companion and embedder.
type vectorCache struct {
	mu    sync.Mutex
	sets  map[vectorKey]*vectorSet
	bytes int
}

type vectorKey struct {
	owner, companion domain.ID
	embedder         string
}

// vectorSet is one companion's vectors by one embedder at one generation, normalised to length 1
// (vectors of zeros, near nothing, are left out), grouped by length. mu guards everything but
// used; a search holds it for reading while it scans.
type vectorSet struct {
	mu     sync.RWMutex
	gen    int64
	groups map[int]*vectorGroup // by length
	at     map[domain.ID]int    // a memory's length, to find its group
	bytes  int
	used   time.Time // guarded by the cache's mu
}

// vectorGroup is vectors of one length, flat: the i-th is vecs[i*dims:(i+1)*dims], ids[i]'s.
type vectorGroup struct {
	ids  []domain.ID
	vecs []float32
	pos  map[domain.ID]int
}

func newVectorCache() *vectorCache { return &vectorCache{sets: map[vectorKey]*vectorSet{}} }

// get returns the set kept for k if it is at generation gen.
func (c *vectorCache) get(k vectorKey, gen int64) *vectorSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sets[k]
	if s == nil {
		return nil
	}
	s.mu.RLock()
	ok := s.gen == gen
	s.mu.RUnlock()
	if !ok {
		return nil
	}
	s.used = time.Now()
	return s
}

// put keeps s for k, unless a set of a later generation is kept already, and evicts the least
// recently searched sets beyond the budget.
func (c *vectorCache) put(k vectorKey, s *vectorSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.sets[k]; old != nil {
		old.mu.RLock()
		later := old.gen > s.gen
		old.mu.RUnlock()
		if later {
			return
		}
		c.bytes -= old.bytes
	}
	s.used = time.Now()
	c.sets[k] = s
	c.bytes += s.bytes
	for c.bytes > vectorCacheBytes && len(c.sets) > 1 {
		var oldest vectorKey
		var at time.Time
		for key, set := range c.sets {
			if key != k && (at.IsZero() || set.used.Before(at)) {
				oldest, at = key, set.used
			}
		}
		c.bytes -= c.sets[oldest].bytes
		delete(c.sets, oldest)
	}
}

// drop forgets every set of the companion (a deletion: it reads them again at the next search).
func (c *vectorCache) drop(owner, companion domain.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, s := range c.sets {
		if k.owner == owner && k.companion == companion {
			c.bytes -= s.bytes
			delete(c.sets, k)
		}
	}
}

// set applies a vector this store wrote, which took the companion's vectors from generation gen-1
// to gen: each kept set of the memory's embedder at gen-1 takes it; one at another generation is
// left for the next search to check (and read again).
func (c *vectorCache) set(k vectorKey, gen int64, id domain.ID, v memoryuc.Vector) {
	c.mu.Lock()
	s := c.sets[k]
	c.mu.Unlock()
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen != gen-1 {
		return
	}
	before := s.bytes
	s.remove(id)
	s.add(id, v)
	s.gen = gen
	c.mu.Lock()
	if c.sets[k] == s {
		c.bytes += s.bytes - before
	}
	c.mu.Unlock()
}

func newVectorSet(gen int64) *vectorSet {
	return &vectorSet{gen: gen, groups: map[int]*vectorGroup{}, at: map[domain.ID]int{}}
}

// add normalises v and keeps it as id's (a vector of zeros, or of no finite length, is not kept).
func (s *vectorSet) add(id domain.ID, v memoryuc.Vector) {
	n := vectorNorm(v)
	if n == 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return
	}
	g := s.groups[len(v)]
	if g == nil {
		g = &vectorGroup{pos: map[domain.ID]int{}}
		s.groups[len(v)] = g
	}
	g.pos[id] = len(g.ids)
	g.ids = append(g.ids, id)
	for _, f := range v {
		g.vecs = append(g.vecs, float32(float64(f)/n))
	}
	s.at[id] = len(v)
	s.bytes += 4*len(v) + 16 + 48 // the floats, the id, the maps' entries (about)
}

// remove forgets id's vector: the group's last takes its place.
func (s *vectorSet) remove(id domain.ID) {
	dims, ok := s.at[id]
	if !ok {
		return
	}
	delete(s.at, id)
	g := s.groups[dims]
	i, last := g.pos[id], len(g.ids)-1
	if i != last {
		g.ids[i] = g.ids[last]
		copy(g.vecs[i*dims:(i+1)*dims], g.vecs[last*dims:])
		g.pos[g.ids[i]] = i
	}
	delete(g.pos, id)
	g.ids, g.vecs = g.ids[:last], g.vecs[:last*dims]
	s.bytes -= 4*dims + 16 + 48
}

// nearest is the port's Nearest over the set: the limit most similar of the query's length, by
// the dot product of unit vectors, most similar first (equal ones by id).
func (s *vectorSet) nearest(q memoryuc.Vector, minSimilarity float64, limit int) []memoryuc.Near {
	n := vectorNorm(q)
	if n == 0 || math.IsInf(n, 0) || math.IsNaN(n) || limit <= 0 {
		return nil
	}
	unit := make([]float32, len(q))
	for i, f := range q {
		unit[i] = float32(float64(f) / n)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	g := s.groups[len(q)]
	if g == nil {
		return nil
	}
	top := topK{limit: limit}
	dims := len(q)
	for i := range g.ids {
		if sim := float64(dot(unit, g.vecs[i*dims:(i+1)*dims:(i+1)*dims])); sim >= minSimilarity {
			top.offer(sim, g.ids[i])
		}
	}
	return top.sorted()
}

// topK keeps the limit most similar offered, in a min-heap on similarity: a candidate is one
// comparison with the least of them, and a full sort is of limit items, not of every vector.
type topK struct {
	limit int
	heap  []memoryuc.Near
}

func (t *topK) offer(sim float64, id domain.ID) {
	if len(t.heap) < t.limit {
		t.heap = append(t.heap, memoryuc.Near{ID: id, Similarity: sim})
		for i := len(t.heap) - 1; i > 0; {
			p := (i - 1) / 2
			if t.heap[p].Similarity <= t.heap[i].Similarity {
				break
			}
			t.heap[p], t.heap[i] = t.heap[i], t.heap[p]
			i = p
		}
		return
	}
	if sim <= t.heap[0].Similarity {
		return
	}
	t.heap[0] = memoryuc.Near{ID: id, Similarity: sim}
	for i := 0; ; {
		l, least := 2*i+1, i
		if l < len(t.heap) && t.heap[l].Similarity < t.heap[least].Similarity {
			least = l
		}
		if r := l + 1; r < len(t.heap) && t.heap[r].Similarity < t.heap[least].Similarity {
			least = r
		}
		if least == i {
			break
		}
		t.heap[i], t.heap[least] = t.heap[least], t.heap[i]
		i = least
	}
}

func (t *topK) sorted() []memoryuc.Near {
	slices.SortFunc(t.heap, func(a, b memoryuc.Near) int {
		if c := cmp.Compare(b.Similarity, a.Similarity); c != 0 {
			return c
		}
		return compareNearIDs(a.ID, b.ID)
	})
	return t.heap
}

func compareNearIDs(a, b domain.ID) int { return cmp.Compare(a.String(), b.String()) }

// vectorNorm is v's length, in float64: float32 squares of large components would overflow.
func vectorNorm(v memoryuc.Vector) float64 {
	var s float64
	for _, f := range v {
		s += float64(f) * float64(f)
	}
	return math.Sqrt(s)
}

// dot is the dot product of two vectors of the same length, four lanes at a time.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// nearestInProcess is Nearest by the kept vectors, read again when the companion's generation moved.
func (r memoryRepo) nearestInProcess(ctx context.Context, k vectorKey, q memoryuc.Vector, minSimilarity float64, limit int) ([]memoryuc.Near, error) {
	gen, err := r.generation(ctx, k.companion)
	if err != nil {
		return nil, err
	}
	if s := r.v.cache.get(k, gen); s != nil {
		return s.nearest(q, minSimilarity, limit), nil
	}
	s, err := r.loadVectors(ctx, k, gen)
	if err != nil {
		return nil, err
	}
	// Kept only if nothing changed while they were read: the generation is read again after.
	if after, err := r.generation(ctx, k.companion); err == nil && after == gen {
		r.v.cache.put(k, s)
	}
	return s.nearest(q, minSimilarity, limit), nil
}

// warmTimeout bounds reading a companion's vectors in the background.
const warmTimeout = 30 * time.Second

// warm reads the companion's vectors into the cache in the background, once at a time per
// companion and embedder, for the searches after this one (PostgreSQL with pgvector, whose index
// answers meanwhile). The DB waits for it when it closes.
func (r memoryRepo) warm(k vectorKey) {
	v := r.v
	v.mu.Lock()
	if v.warming == nil {
		v.warming = map[vectorKey]bool{}
	}
	if v.warming[k] || v.closed {
		v.mu.Unlock()
		return
	}
	v.warming[k] = true
	v.warmers.Add(1)
	v.mu.Unlock()
	go func() {
		defer v.warmers.Done()
		defer func() {
			v.mu.Lock()
			delete(v.warming, k)
			v.mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), warmTimeout)
		defer cancel()
		gen, err := r.generation(ctx, k.companion)
		if err != nil {
			return
		}
		s, err := r.loadVectors(ctx, k, gen)
		if err != nil {
			return
		}
		if after, err := r.generation(ctx, k.companion); err == nil && after == gen {
			v.cache.put(k, s)
		}
	}()
}

// generation is the companion's count of vector changes (0 before the first).
func (r memoryRepo) generation(ctx context.Context, companionID domain.ID) (int64, error) {
	var gen int64
	err := r.c.get(ctx, &gen, `SELECT generation FROM memory_vector_generations WHERE companion_id = ?`, companionID.String())
	if err = classify(err, errNoRow, "select memory vector generation"); err == errNoRow {
		return 0, nil
	}
	return gen, err
}

// loadVectors reads the companion's vectors by the embedder, through the memories (the owner's
// scope; the vectors' key finds each from its memory), scanning rows itself: sqlx's reflection
// over 10 000 rows is a good part of the cost.
func (r memoryRepo) loadVectors(ctx context.Context, k vectorKey, gen int64) (*vectorSet, error) {
	rows, done, err := r.c.query(ctx, `SELECT e.memory_id, e.dims, e.vector
		FROM memories m JOIN memory_embeddings e ON e.memory_id = m.id AND e.embedder = ?
		WHERE m.owner_id = ? AND m.companion_id = ?`, k.embedder, k.owner.String(), k.companion.String())
	if err != nil {
		return nil, classify(err, nil, "select memory embeddings")
	}
	defer done()
	s := newVectorSet(gen)
	var raw, v []byte
	var dims int
	for rows.Next() {
		if err := rows.Scan(&raw, &dims, &v); err != nil {
			return nil, classify(err, nil, "scan memory embedding")
		}
		id, err := parseID(string(raw))
		if err != nil {
			return nil, err
		}
		if len(v) != 4*dims {
			return nil, domain.Errorf(domain.KindInternal, "embedding of memory %s by %q: %d bytes for %d dimensions",
				id, k.embedder, len(v), dims)
		}
		s.add(id, decodeVector(v))
	}
	if err := rows.Err(); err != nil {
		return nil, classify(err, nil, "read memory embeddings")
	}
	return s, nil
}
