package memorystoretest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
)

func testRoundTrip(t *testing.T, e Env) {
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	// Every field set: sources, a pin, a recall record, a text of quotes, accents and an emoji.
	full, err := memory.New(domain.NewID(at(0)), owner, c, memory.Spec{
		Text: `Zoë's "little" sister 'Zelda' — café ☕ at 7:30, 100% sure 😊`, Category: memory.Relationship,
		Importance: memory.MaxImportance, Pinned: true,
	}, []domain.ID{domain.NewID(at(-2)), domain.NewID(at(-1))}, at(0))
	require.NoError(t, err)
	full.UpdatedAt, full.LastRecalled, full.RecallCount = at(5), at(9), 3
	// The least: no sources (the person added it), never recalled.
	least := newMemory(t, owner, c, "Likes tea", memory.Preference, at(1))
	least.Importance = memory.MinImportance
	mustCreate(t, e, full, least)

	for _, want := range []memory.Memory{full, least} {
		requireSame(t, want, mustGet(t, e, owner, want.ID))
	}
	got := mustGet(t, e, owner, least.ID)
	require.Nil(t, got.Sources, "no sources read back as none")
	require.True(t, got.LastRecalled.IsZero(), "never recalled reads back as the zero time")
	for _, cat := range memory.Categories() {
		m := newMemory(t, owner, c, "A memory of category "+cat.String(), cat, at(2))
		mustCreate(t, e, m)
		require.Equal(t, cat, mustGet(t, e, owner, m.ID).Category)
	}
}

func testUpdate(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	m := newMemory(t, owner, c, "Lives in Paris", memory.PersonalFact, at(0), domain.NewID(at(-1)))
	m.LastRecalled, m.RecallCount = at(1), 2
	mustCreate(t, e, m)

	edited, err := m.Apply(memory.Spec{Text: "Moved to Lyon", Category: memory.Event, Importance: 8, Pinned: true}, at(3))
	require.NoError(t, err)
	// What Update does not save: the rest stays as stored, whatever the argument says.
	sent := edited
	sent.Sources, sent.CreatedAt, sent.LastRecalled, sent.RecallCount = nil, at(7), at(8), 40
	require.NoError(t, e.Store.Update(ctx, sent))
	requireSame(t, edited, mustGet(t, e, owner, m.ID))

	// Its own text again, differently written (the same key), is no conflict with itself.
	again, err := edited.Apply(memory.Spec{Text: "moved to LYON!", Category: memory.Event, Importance: 8}, at(4))
	require.NoError(t, err)
	require.NoError(t, e.Store.Update(ctx, again))
	requireSame(t, again, mustGet(t, e, owner, m.ID))
}

func testOwnerScoping(t *testing.T, e Env) {
	ctx := context.Background()
	owner, stranger := e.NewOwner(t), e.NewOwner(t)
	c := newCompanion(t, e, owner)
	m := remember(t, e, owner, c, "My sister Zelda visits next week")[0]
	pinned := newMemory(t, owner, c, "Pinned for good", memory.Preference, at(1))
	pinned.Pinned = true
	mustCreate(t, e, pinned)
	require.NoError(t, e.Store.SetEmbedding(ctx, m.ID, "e", []float32{1, 2}))

	_, err := e.Store.Get(ctx, stranger, m.ID)
	requireNotFound(t, err)
	requireNotFound(t, e.Store.Delete(ctx, stranger, m.ID))
	stolen, err := m.Apply(memory.Spec{Text: "Stolen", Category: memory.Event, Importance: 5}, at(2))
	require.NoError(t, err)
	stolen.OwnerID = stranger
	requireNotFound(t, e.Store.Update(ctx, stolen))
	_, err = e.Store.Get(ctx, owner, domain.NewID(base))
	requireNotFound(t, err) // an absent memory is the same answer
	absent := newMemory(t, owner, c, "Never stored", memory.Event, at(3))
	requireNotFound(t, e.Store.Update(ctx, absent))
	requireNotFound(t, e.Store.Delete(ctx, owner, absent.ID))

	for _, f := range []memory.Filter{{OwnerID: stranger, CompanionID: c}, {OwnerID: stranger}} {
		list, next, err := e.Store.List(ctx, f, domain.Page{Limit: 10})
		require.NoError(t, err)
		require.Empty(t, list, "another's list shows nothing of the owner's")
		require.True(t, next.IsZero())
	}
	_, found, err := e.Store.ByKey(ctx, stranger, c, memory.Key(m.Text))
	require.NoError(t, err)
	require.False(t, found)
	byIDs, err := e.Store.ByIDs(ctx, stranger, []domain.ID{m.ID, pinned.ID})
	require.NoError(t, err)
	require.Empty(t, byIDs)
	found2, err := e.Store.Search(ctx, stranger, c, "zelda", 10)
	require.NoError(t, err)
	require.Empty(t, found2)
	pins, err := e.Store.Pinned(ctx, stranger, c)
	require.NoError(t, err)
	require.Empty(t, pins)
	recent, err := e.Store.Recent(ctx, stranger, c, 10)
	require.NoError(t, err)
	require.Empty(t, recent)
	vectors := near(t, e, stranger, c, "e", []float32{1, 2})
	require.Empty(t, vectors)
	n, err := e.Store.Wipe(ctx, stranger, c)
	require.NoError(t, err)
	require.Zero(t, n)

	requireSame(t, m, mustGet(t, e, owner, m.ID))
	requireSame(t, pinned, mustGet(t, e, owner, pinned.ID))
	vectors = near(t, e, owner, c, "e", []float32{1, 2})
	require.Len(t, vectors, 1, "nothing a stranger asked touched the owner's memories")
}

func testCreateCompanion(t *testing.T, e Env) {
	ctx := context.Background()
	owner, stranger := e.NewOwner(t), e.NewOwner(t)
	theirs := newCompanion(t, e, stranger)
	// Another user's companion is no companion of the owner's, as one that does not exist.
	for _, c := range []domain.ID{theirs, domain.NewID(base)} {
		err := e.Store.Create(ctx, newMemory(t, owner, c, "Misplaced", memory.Event, at(0)))
		requireNotFound(t, err)
	}
	list, _, err := e.Store.List(ctx, memory.Filter{OwnerID: stranger, CompanionID: theirs}, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Empty(t, list)
}

func testDuplicates(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "Likes green tea", "Has a cat")

	// The same fact, however written, is one memory of the companion.
	requireKind(t, e.Store.Create(ctx, newMemory(t, owner, c, "LIKES  green tea!", memory.Preference, at(5))),
		domain.KindConflict)
	again := newMemory(t, owner, c, "Something new", memory.Event, at(5))
	again.ID = ms[0].ID
	requireKind(t, e.Store.Create(ctx, again), domain.KindConflict)
	// Another companion may know it too.
	mustCreate(t, e, newMemory(t, owner, other, "Likes green tea", memory.Preference, at(5)))

	// Editing a memory into another's fact conflicts and changes nothing.
	into, err := ms[1].Apply(memory.Spec{Text: "likes green tea", Category: memory.Preference, Importance: 9}, at(6))
	require.NoError(t, err)
	requireKind(t, e.Store.Update(ctx, into), domain.KindConflict)
	requireSame(t, ms[1], mustGet(t, e, owner, ms[1].ID))
	requireSame(t, ms[0], mustGet(t, e, owner, ms[0].ID))
}

func testByKey(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "Likes  green tea!", "Has a cat named Miso")

	got, found, err := e.Store.ByKey(ctx, owner, c, memory.Key("likes green TEA"))
	require.NoError(t, err)
	require.True(t, found)
	requireSame(t, ms[0], got)
	for _, q := range []struct {
		companion domain.ID
		key       string
	}{{c, memory.Key("likes green coffee")}, {other, memory.Key(ms[0].Text)}, {c, ""}} {
		_, found, err = e.Store.ByKey(ctx, owner, q.companion, q.key)
		require.NoError(t, err)
		require.False(t, found, "%q", q.key)
	}
}

func testByIDs(t *testing.T, e Env) {
	ctx := context.Background()
	owner, stranger := e.NewOwner(t), e.NewOwner(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "One", "Two", "Three")
	elsewhere := remember(t, e, owner, other, "Four")[0]
	theirs := remember(t, e, stranger, newCompanion(t, e, stranger), "Five")[0]

	got, err := e.Store.ByIDs(ctx, owner, []domain.ID{ms[2].ID, theirs.ID, domain.NewID(base), ms[0].ID, elsewhere.ID})
	require.NoError(t, err)
	require.Equal(t, sorted([]domain.ID{ms[0].ID, ms[2].ID, elsewhere.ID}), sorted(ids(got)),
		"the owner's among the ids, of any companion; absent and another's left out")
	for _, m := range got {
		if m.ID == ms[2].ID {
			requireSame(t, ms[2], m)
		}
	}
	got, err = e.Store.ByIDs(ctx, owner, nil)
	require.NoError(t, err)
	require.Empty(t, got)
}

func testDelete(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "Keep me", "Forget me")
	require.NoError(t, e.Store.Delete(ctx, owner, ms[1].ID))
	_, err := e.Store.Get(ctx, owner, ms[1].ID)
	requireNotFound(t, err)
	requireNotFound(t, e.Store.Delete(ctx, owner, ms[1].ID))
	require.Equal(t, ids(ms[:1]), ids(all(t, e, memory.Filter{OwnerID: owner, CompanionID: c}, 10)))
	// Its fact may be learnt again.
	mustCreate(t, e, newMemory(t, owner, c, "Forget me", memory.Event, at(5)))
}
