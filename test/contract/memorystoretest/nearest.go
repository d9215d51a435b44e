package memorystoretest

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// everything is a least similarity every vector has (cosine is at least -1).
const everything = -1.0

// near is every memory of owner's companion c near q by embedder, nearest first.
func near(t *testing.T, e Env, owner, c domain.ID, embedder string, q []float32) []memoryuc.Near {
	t.Helper()
	found, err := e.Store.Nearest(context.Background(), owner, c, embedder, q, everything, 100)
	require.NoError(t, err)
	return found
}

func nearIDs(ns []memoryuc.Near) []domain.ID {
	out := make([]domain.ID, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func setVectors(t *testing.T, e Env, embedder string, vectors map[domain.ID][]float32) {
	t.Helper()
	for id, v := range vectors {
		require.NoError(t, e.Store.SetEmbedding(context.Background(), id, embedder, v))
	}
}

// cosine is the similarity the store reports, computed here in float64.
func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func testNearestOrder(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "Same", "Close", "Aside", "Square", "Opposite")
	q := []float32{1, 0, 0}
	vectors := [][]float32{{2, 0, 0}, {1, 0.5, 0}, {1, 1, 1}, {0, 0, 3}, {-1, 0, 0}}
	for i, v := range vectors {
		require.NoError(t, e.Store.SetEmbedding(ctx, ms[i].ID, "e", v))
	}

	found, err := e.Store.Nearest(ctx, owner, c, "e", q, everything, 10)
	require.NoError(t, err)
	require.Equal(t, ids(ms), nearIDs(found), "most similar first, whatever the vectors' lengths")
	for i, n := range found {
		require.InDelta(t, cosine(q, vectors[i]), n.Similarity, 1e-5, "cosine similarity of %s", ms[i].Text)
	}

	found, err = e.Store.Nearest(ctx, owner, c, "e", q, everything, 2)
	require.NoError(t, err)
	require.Equal(t, ids(ms[:2]), nearIDs(found), "at most limit, the nearest")
	found, err = e.Store.Nearest(ctx, owner, c, "e", q, 0.5, 10)
	require.NoError(t, err)
	require.Equal(t, ids(ms[:3]), nearIDs(found), "none below the least similarity (cos 0.577 is in, 0 out)")
	found, err = e.Store.Nearest(ctx, owner, c, "e", []float32{0, 0, 1}, 0.99, 10)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{ms[3].ID}, nearIDs(found))
	found, err = e.Store.Nearest(ctx, owner, c, "e", q, everything, 0)
	require.NoError(t, err)
	require.Empty(t, found, "a limit of 0 is nothing")
}

func testNearestScoped(t *testing.T, e Env) {
	owner, stranger := e.NewOwner(t), e.NewOwner(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	theirs := newCompanion(t, e, stranger)
	ms := remember(t, e, owner, c, "One", "Two", "Three", "Four")
	elsewhere := remember(t, e, owner, other, "Elsewhere")[0]
	strangers := remember(t, e, stranger, theirs, "A stranger's")[0]
	q := []float32{1, 2, 3}
	setVectors(t, e, "small", map[domain.ID][]float32{ms[0].ID: {1, 2, 3}, ms[1].ID: {1, 2, 2},
		elsewhere.ID: {1, 2, 3}, strangers.ID: {1, 2, 3}})
	// Another embedder's vectors of the same memories; vectors of another length by the same
	// embedder (it changed models); a vector of zeros, near nothing.
	setVectors(t, e, "large", map[domain.ID][]float32{ms[0].ID: {1, 2, 3}, ms[2].ID: {1, 2, 3}})
	setVectors(t, e, "small", map[domain.ID][]float32{ms[2].ID: {1, 2, 3, 4}, ms[3].ID: {0, 0, 0}})

	require.Equal(t, ids(ms[:2]), nearIDs(near(t, e, owner, c, "small", q)),
		"the companion's vectors by that embedder, of the query's length, never zeros")
	require.Equal(t, []domain.ID{ms[2].ID}, nearIDs(near(t, e, owner, c, "small", []float32{1, 2, 3, 4})))
	large := near(t, e, owner, c, "large", q)
	require.Equal(t, sorted([]domain.ID{ms[0].ID, ms[2].ID}), sorted(nearIDs(large)))
	require.Empty(t, near(t, e, owner, c, "unknown", q))
	require.Empty(t, near(t, e, owner, c, "small", []float32{1, 2}), "a length no vector has is nothing, not an error")
	require.Empty(t, near(t, e, owner, c, "small", []float32{0, 0, 0}), "a query of zeros is near nothing")
	require.Empty(t, near(t, e, stranger, c, "small", q), "another's companion shows nothing")
	require.Equal(t, []domain.ID{strangers.ID}, nearIDs(near(t, e, stranger, theirs, "small", q)))
	require.Equal(t, []domain.ID{elsewhere.ID}, nearIDs(near(t, e, owner, other, "small", q)))
}

// The store follows every change of the vectors, whatever it may keep between searches: each step
// searches before it changes something.
func testNearestChanges(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "One", "Two", "Three", "Four")
	q := []float32{1, 0}
	setVectors(t, e, "e", map[domain.ID][]float32{ms[0].ID: {1, 0}, ms[1].ID: {1, 1}})
	require.Equal(t, ids(ms[:2]), nearIDs(near(t, e, owner, c, "e", q)))

	// A new vector, and a replaced one: the new one is used.
	require.NoError(t, e.Store.SetEmbedding(ctx, ms[2].ID, "e", []float32{1, 0.1}))
	require.Equal(t, []domain.ID{ms[0].ID, ms[2].ID, ms[1].ID}, nearIDs(near(t, e, owner, c, "e", q)))
	require.NoError(t, e.Store.SetEmbedding(ctx, ms[0].ID, "e", []float32{0, 1}))
	found := near(t, e, owner, c, "e", q)
	require.Equal(t, []domain.ID{ms[2].ID, ms[1].ID, ms[0].ID}, nearIDs(found))
	require.InDelta(t, 0, found[2].Similarity, 1e-6)
	// A vector of another length replacing one: it is no longer near a query of the old length.
	require.NoError(t, e.Store.SetEmbedding(ctx, ms[1].ID, "e", []float32{1, 1, 0}))
	require.Equal(t, []domain.ID{ms[2].ID, ms[0].ID}, nearIDs(near(t, e, owner, c, "e", q)))

	// A deleted memory is gone, and its vector with it.
	require.NoError(t, e.Store.Delete(ctx, owner, ms[2].ID))
	require.Equal(t, []domain.ID{ms[0].ID}, nearIDs(near(t, e, owner, c, "e", q)))
	requireNotFound(t, e.Store.SetEmbedding(ctx, ms[2].ID, "e", []float32{1, 0}))
	require.Equal(t, []domain.ID{ms[0].ID}, nearIDs(near(t, e, owner, c, "e", q)))
	// Edited memories keep their vectors (until the use case sets new ones).
	edited, err := mustGet(t, e, owner, ms[0].ID).Apply(memory.Spec{Text: "One, edited", Category: memory.Event, Importance: 5}, at(9))
	require.NoError(t, err)
	require.NoError(t, e.Store.Update(ctx, edited))
	require.Equal(t, []domain.ID{ms[0].ID}, nearIDs(near(t, e, owner, c, "e", q)))
	require.NoError(t, e.Store.SetEmbedding(ctx, ms[3].ID, "e", []float32{3, 0}))
	require.Equal(t, []domain.ID{ms[3].ID, ms[0].ID}, nearIDs(near(t, e, owner, c, "e", q)))
	// A wipe takes them all; the companion's new memories are found again.
	_, err = e.Store.Wipe(ctx, owner, c)
	require.NoError(t, err)
	require.Empty(t, near(t, e, owner, c, "e", q))
	again := remember(t, e, owner, c, "One")[0]
	require.NoError(t, e.Store.SetEmbedding(ctx, again.ID, "e", []float32{1, 0}))
	require.Equal(t, []domain.ID{again.ID}, nearIDs(near(t, e, owner, c, "e", q)))
}

// Among a few hundred vectors, the nearest are the ones a full comparison finds.
func testNearestMany(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	r := rand.New(rand.NewPCG(14, 14))
	const n, dims = 300, 16
	texts := make([]string, n)
	for i := range texts {
		texts[i] = "Fact " + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	ms := remember(t, e, owner, c, texts...)
	vectors := map[domain.ID][]float32{}
	for _, m := range ms {
		v := make([]float32, dims)
		for k := range v {
			v[k] = float32(r.NormFloat64())
		}
		vectors[m.ID] = v
	}
	setVectors(t, e, "e", vectors)
	for range 5 {
		q := make([]float32, dims)
		for k := range q {
			q[k] = float32(r.NormFloat64())
		}
		var want []memoryuc.Near
		for id, v := range vectors {
			if s := cosine(q, v); s >= 0.2 {
				want = append(want, memoryuc.Near{ID: id, Similarity: s})
			}
		}
		slices.SortFunc(want, func(a, b memoryuc.Near) int { return cmp.Compare(b.Similarity, a.Similarity) })
		want = want[:min(len(want), 10)]
		found, err := e.Store.Nearest(ctx, owner, c, "e", q, 0.2, 10)
		require.NoError(t, err)
		require.Equal(t, nearIDs(want), nearIDs(found))
		for i := range found {
			require.InDelta(t, want[i].Similarity, found[i].Similarity, 1e-5)
		}
	}
}
