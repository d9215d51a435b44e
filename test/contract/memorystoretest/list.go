package memorystoretest

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
)

func testListPages(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	var ms []memory.Memory
	for i := range 7 {
		ms = append(ms, newMemory(t, owner, c, "Fact number "+string(rune('a'+i)), memory.PersonalFact, at(i)))
	}
	// Two more at one time: equal times are ordered by id, descending, across pages.
	for _, text := range []string{"Same time one", "Same time two"} {
		ms = append(ms, newMemory(t, owner, c, text, memory.Event, at(3)))
	}
	// Stored out of order: the list's order is the memories' times, not the insertion's.
	for _, i := range []int{3, 0, 8, 6, 1, 5, 7, 2, 4} {
		mustCreate(t, e, ms[i])
	}
	mustCreate(t, e, newMemory(t, owner, newCompanion(t, e, owner), "Another companion's", memory.Event, at(9)))
	want := newestFirst(ms)
	f := memory.Filter{OwnerID: owner, CompanionID: c}

	page, next, err := e.Store.List(ctx, f, domain.Page{Limit: 4})
	require.NoError(t, err)
	require.Equal(t, ids(want[:4]), ids(page))
	requireSame(t, want[0], page[0])
	require.Equal(t, want[3].Cursor(), next)
	page, next, err = e.Store.List(ctx, f, domain.Page{After: next, Limit: 4})
	require.NoError(t, err)
	require.Equal(t, ids(want[4:8]), ids(page))
	page, next, err = e.Store.List(ctx, f, domain.Page{After: next, Limit: 4})
	require.NoError(t, err)
	require.Equal(t, ids(want[8:]), ids(page))
	require.True(t, next.IsZero(), "the last page ends with the zero cursor")
	for _, limit := range []int{1, 2, 3, 9, 100} {
		require.Equal(t, ids(want), ids(all(t, e, f, limit)), "limit %d", limit)
	}
	// A cursor made by a client (from String) reads the same page as the store's own.
	cur, err := domain.ParseCursor(want[1].Cursor().String())
	require.NoError(t, err)
	page, _, err = e.Store.List(ctx, f, domain.Page{After: cur, Limit: 2})
	require.NoError(t, err)
	require.Equal(t, ids(want[2:4]), ids(page))
}

func testListFilters(t *testing.T, e Env) {
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	var ms []memory.Memory
	cats := []memory.Category{memory.PersonalFact, memory.Preference, memory.Event}
	for i := range 9 {
		m := newMemory(t, owner, c, "Filtered fact "+string(rune('a'+i)), cats[i%3], at(i))
		m.Pinned = i%2 == 0
		ms = append(ms, m)
	}
	mustCreate(t, e, ms...)
	yes, no := true, false
	for _, f := range []memory.Filter{
		{Category: memory.Preference}, {Pinned: &yes}, {Pinned: &no}, {Category: memory.PersonalFact, Pinned: &yes},
		{Category: memory.EmotionalMoment}, {},
	} {
		var want []memory.Memory
		for _, m := range ms {
			if (f.Category.IsZero() || m.Category == f.Category) && (f.Pinned == nil || m.Pinned == *f.Pinned) {
				want = append(want, m)
			}
		}
		f.OwnerID, f.CompanionID = owner, c
		require.Equal(t, ids(newestFirst(want)), ids(all(t, e, f, 2)), "%+v", f)
	}
}

func testPinnedRecent(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	var ms []memory.Memory
	for i := range 6 {
		m := newMemory(t, owner, c, "Memory "+string(rune('a'+i)), memory.Event, at(i))
		m.Pinned = i == 1 || i == 4
		ms = append(ms, m)
	}
	mustCreate(t, e, ms...)
	elsewhere := newMemory(t, owner, other, "Pinned elsewhere", memory.Event, at(9))
	elsewhere.Pinned = true
	mustCreate(t, e, elsewhere)

	pinned, err := e.Store.Pinned(ctx, owner, c)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{ms[4].ID, ms[1].ID}, ids(pinned), "the companion's pinned memories, newest first")
	requireSame(t, ms[4], pinned[0])

	recent, err := e.Store.Recent(ctx, owner, c, 3)
	require.NoError(t, err)
	want := slices.Clone(ms)
	slices.Reverse(want)
	require.Equal(t, ids(want[:3]), ids(recent))
	recent, err = e.Store.Recent(ctx, owner, c, 100)
	require.NoError(t, err)
	require.Equal(t, ids(want), ids(recent))

	none, err := e.Store.Pinned(ctx, owner, newCompanion(t, e, owner))
	require.NoError(t, err)
	require.Empty(t, none)
}

func testMarkRecalled(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "Recalled twice", "Recalled once", "Never recalled", "Deleted")
	require.NoError(t, e.Store.Delete(ctx, owner, ms[3].ID))

	require.NoError(t, e.Store.MarkRecalled(ctx, []domain.ID{ms[0].ID, ms[1].ID}, at(10)))
	// A memory deleted since it was recalled is no error.
	require.NoError(t, e.Store.MarkRecalled(ctx, []domain.ID{ms[3].ID, ms[0].ID}, at(20)))
	require.NoError(t, e.Store.MarkRecalled(ctx, nil, at(30)))

	for i, want := range []struct {
		count int
		last  int
	}{{2, 20}, {1, 10}} {
		got := mustGet(t, e, owner, ms[i].ID)
		require.Equal(t, want.count, got.RecallCount, ms[i].Text)
		require.True(t, at(want.last).Equal(got.LastRecalled), "%s: %v", ms[i].Text, got.LastRecalled)
		// Nothing else changes: a recall is no edit.
		want := ms[i]
		want.RecallCount, want.LastRecalled = got.RecallCount, got.LastRecalled
		requireSame(t, want, got)
	}
	requireSame(t, ms[2], mustGet(t, e, owner, ms[2].ID))
}

func testWipe(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "One", "Two", "Three")
	require.NoError(t, e.Store.SetEmbedding(ctx, ms[0].ID, "e", []float32{1}))
	kept := remember(t, e, owner, other, "Kept")[0]
	require.NoError(t, e.Store.SetEmbedding(ctx, kept.ID, "e", []float32{1}))

	n, err := e.Store.Wipe(ctx, owner, c)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.Empty(t, all(t, e, memory.Filter{OwnerID: owner, CompanionID: c}, 10))
	found, err := e.Store.Search(ctx, owner, c, "one two three", 10)
	require.NoError(t, err)
	require.Empty(t, found)
	vectors := near(t, e, owner, c, "e", []float32{1})
	require.Empty(t, vectors)
	n, err = e.Store.Wipe(ctx, owner, c)
	require.NoError(t, err)
	require.Zero(t, n)

	requireSame(t, kept, mustGet(t, e, owner, kept.ID))
	vectors = near(t, e, owner, other, "e", []float32{1})
	require.Len(t, vectors, 1, "another companion's memories stay")
	// The facts may be learnt again.
	mustCreate(t, e, newMemory(t, owner, c, "One", memory.Event, at(5)))
}

func testCompanionDeletion(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "Zelda visits", "Pinned")
	kept := remember(t, e, owner, other, "Zelda stays")[0]
	require.NoError(t, e.Store.SetEmbedding(ctx, ms[0].ID, "e", []float32{1}))

	require.NoError(t, e.Companions.Companions().Delete(ctx, c))
	requireGone(t, e, owner, c, ms...)
	found, err := e.Store.Search(ctx, owner, other, "zelda", 10)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{kept.ID}, scoredIDs(found), "another companion's memories stay")
}

func testOwnerDeletion(t *testing.T, e Env) {
	ctx := context.Background()
	owner, other := e.NewOwner(t), e.NewOwner(t)
	c := newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "Zelda visits", "Pinned")
	require.NoError(t, e.Store.SetEmbedding(ctx, ms[0].ID, "e", []float32{1}))
	oc := newCompanion(t, e, other)
	kept := remember(t, e, other, oc, "Zelda stays")[0]

	e.DeleteOwner(t, owner)
	requireGone(t, e, owner, c, ms...)
	requireSame(t, kept, mustGet(t, e, other, kept.ID))
}

// requireGone checks that nothing of the memories of owner's companion c is left.
func requireGone(t *testing.T, e Env, owner, c domain.ID, ms ...memory.Memory) {
	t.Helper()
	ctx := context.Background()
	for _, m := range ms {
		_, err := e.Store.Get(ctx, owner, m.ID)
		requireNotFound(t, err)
	}
	require.Empty(t, all(t, e, memory.Filter{OwnerID: owner, CompanionID: c}, 10))
	found, err := e.Store.Search(ctx, owner, c, "zelda visits pinned", 10)
	require.NoError(t, err)
	require.Empty(t, found)
	vectors := near(t, e, owner, c, "e", []float32{1})
	require.Empty(t, vectors)
	byIDs, err := e.Store.ByIDs(ctx, owner, ids(ms))
	require.NoError(t, err)
	require.Empty(t, byIDs)
}

func keys[V any](m map[domain.ID]V) []domain.ID {
	out := make([]domain.ID, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
