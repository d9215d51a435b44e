package memorystoretest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/memory"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// searchable are a companion's memories for the search tests, and another companion's that shares
// their words and must never be found.
type searchable struct {
	owner, c                   domain.ID
	zelda, tea, cafe, sea, job memory.Memory
}

func newSearchable(t *testing.T, e Env) searchable {
	t.Helper()
	s := searchable{owner: e.NewOwner(t)}
	s.c = newCompanion(t, e, s.owner)
	ms := remember(t, e, s.owner, s.c,
		"My sister Zelda visits next week",
		"Likes green tea with honey",
		"Café au lait in Zürich every Sunday",
		"Lives near the sea in a small house",
		"Sent her résumé to the bakery")
	s.zelda, s.tea, s.cafe, s.sea, s.job = ms[0], ms[1], ms[2], ms[3], ms[4]
	remember(t, e, s.owner, newCompanion(t, e, s.owner), "Zelda likes tea in Zürich near the sea")
	return s
}

func (s searchable) search(t *testing.T, e Env, query string, limit int) []memoryuc.Scored {
	t.Helper()
	found, err := e.Store.Search(context.Background(), s.owner, s.c, query, limit)
	require.NoError(t, err, "%q", query)
	requireScores(t, query, found)
	return found
}

// requireScores checks the scores of a search's result: the best 1, the others above 0 and none
// above the one before it.
func requireScores(t *testing.T, query string, found []memoryuc.Scored) {
	t.Helper()
	for i, f := range found {
		if i == 0 {
			require.InDelta(t, 1, f.Lexical, 1e-9, "%q: the best is 1", query)
			continue
		}
		require.Greater(t, f.Lexical, 0.0, "%q: every found memory scores above 0", query)
		require.LessOrEqual(t, f.Lexical, found[i-1].Lexical, "%q: best first", query)
	}
}

func testSearchAnyWord(t *testing.T, e Env) {
	s := newSearchable(t, e)
	for query, want := range map[string]memory.Memory{
		"zelda":                         s.zelda,
		"ZELDA":                         s.zelda,
		"What about Zelda's visit?":     s.zelda,
		"honey":                         s.tea,
		"cafe":                          s.cafe,
		"CAFÉ":                          s.cafe,
		"zurich":                        s.cafe,
		"ZÜRICH":                        s.cafe,
		"Zu\u0308rich":                  s.cafe, // decomposed: u and a combining diaeresis
		"resume":                        s.job,
		"Résumé":                        s.job,
		"the bakery down the road":      s.job,
		"sea, sea, SEA":                 s.sea,
		"does anyone live in a house?!": s.sea,
		// A long word matches by its start, endings taken off: the same simple stemming on both.
		"visiting": s.zelda,
		"visited":  s.zelda,
		"houses":   s.sea,
		"bakery's": s.job,
	} {
		found := s.search(t, e, query, 10)
		require.NotEmpty(t, found, "%q", query)
		require.Equal(t, want.ID, found[0].Memory.ID, "%q", query)
		if query == "zelda" {
			require.Len(t, found, 1, "only this companion's memories")
			requireSame(t, want, found[0].Memory)
		}
	}
	found := s.search(t, e, "tea or sea", 10)
	require.Equal(t, sorted([]domain.ID{s.tea.ID, s.sea.ID}), sorted(scoredIDs(found)), "any of the words")
	found = s.search(t, e, "dragons", 10)
	require.Empty(t, found)
}

func testSearchRanks(t *testing.T, e Env) {
	s := newSearchable(t, e)
	found := s.search(t, e, "green tea with honey, and Zelda", 10)
	require.Equal(t, []domain.ID{s.tea.ID, s.zelda.ID}, scoredIDs(found), "the memory with more of the words first")
	require.Less(t, found[1].Lexical, 1.0)

	query := "zelda tea zürich sea résumé"
	found = s.search(t, e, query, 10)
	require.Equal(t, sorted([]domain.ID{s.zelda.ID, s.tea.ID, s.cafe.ID, s.sea.ID, s.job.ID}), sorted(scoredIDs(found)))
	for _, limit := range []int{1, 3} {
		top := s.search(t, e, query, limit)
		require.Len(t, top, limit)
		require.Equal(t, scoredIDs(found[:limit]), scoredIDs(top), "limit %d: the best of them", limit)
	}
}

// testSearchHostile searches with text that means something to FTS5's or tsquery's syntax, or to
// SQL: none fails, and each finds exactly the memories that have one of its words.
func testSearchHostile(t *testing.T, e Env) {
	ctx := context.Background()
	s := newSearchable(t, e)
	none := []domain.ID{}
	for query, want := range map[string][]domain.ID{
		`"zelda`:                           {s.zelda.ID},
		`zelda"`:                           {s.zelda.ID},
		`"zelda" "honey`:                   {s.zelda.ID, s.tea.ID},
		`honey*`:                           {s.tea.ID},
		`*honey`:                           {s.tea.ID},
		`text:zelda`:                       {s.zelda.ID},
		`zelda:*`:                          {s.zelda.ID},
		`zelda:AB`:                         {s.zelda.ID},
		`zelda AND NOT honey`:              {s.zelda.ID, s.tea.ID},
		`zelda OR`:                         {s.zelda.ID},
		`OR`:                               none,
		`AND NOT OR`:                       none,
		`NEAR(zelda honey, 2)`:             {s.zelda.ID, s.tea.ID, s.sea.ID},
		`(honey | bakery) & !zelda`:        {s.zelda.ID, s.tea.ID, s.job.ID},
		`honey <-> bakery`:                 {s.tea.ID, s.job.ID},
		`^zelda`:                           {s.zelda.ID},
		`-honey +bakery`:                   {s.tea.ID, s.job.ID},
		`{zelda} [honey]`:                  {s.zelda.ID, s.tea.ID},
		`zelda\`:                           {s.zelda.ID},
		`'zelda'`:                          {s.zelda.ID},
		`zelda'); DELETE FROM memories;--`: {s.zelda.ID},
		"'; DROP TABLE memories; --":       none,
		"zelda\x00honey":                   {s.zelda.ID, s.tea.ID},
		`%_%`:                              none,
	} {
		found := s.search(t, e, query, 10)
		require.Equal(t, sorted(want), sorted(scoredIDs(found)), "%q", query)
	}
	require.Len(t, all(t, e, memory.Filter{OwnerID: s.owner, CompanionID: s.c}, 10), 5, "nothing was deleted")
	_, err := e.Store.Get(ctx, s.owner, s.zelda.ID)
	require.NoError(t, err)
}

func testSearchNothing(t *testing.T, e Env) {
	s := newSearchable(t, e)
	for _, query := range []string{"", "   ", "?!", "...", `"`, `""`, "*", `'"*:&|!()<->^-+`, "😀🎉", "\u0301", "\n\t"} {
		require.Empty(t, s.search(t, e, query, 10), "%q: no searchable word finds nothing", query)
	}
}

func testSearchFollowsEdits(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	ms := remember(t, e, owner, c, "Lives in Paris", "Works in Paris too")
	moved, err := ms[0].Apply(memory.Spec{Text: "Moved to Lyon", Category: memory.Event, Importance: 7}, at(5))
	require.NoError(t, err)
	require.NoError(t, e.Store.Update(ctx, moved))
	// Only a pin changed: the text's words stay found.
	pinned, err := ms[1].Apply(memory.Spec{Text: ms[1].Text, Category: ms[1].Category, Importance: 9, Pinned: true}, at(6))
	require.NoError(t, err)
	require.NoError(t, e.Store.Update(ctx, pinned))

	find := func(query string) []domain.ID {
		t.Helper()
		found, err := e.Store.Search(ctx, owner, c, query, 10)
		require.NoError(t, err)
		return scoredIDs(found)
	}
	require.Equal(t, []domain.ID{ms[1].ID}, find("paris"), "the old text is no longer found")
	require.Equal(t, []domain.ID{ms[0].ID}, find("lyon"), "the new one is")
	found, err := e.Store.Search(ctx, owner, c, "lyon", 10)
	require.NoError(t, err)
	requireSame(t, moved, found[0].Memory)

	require.NoError(t, e.Store.Delete(ctx, owner, ms[1].ID))
	require.Empty(t, find("paris works"), "a deleted memory is not found")
	// A memory learnt after a deletion is found, and only it.
	again := newMemory(t, owner, c, "Works in Lille", memory.Event, at(7))
	mustCreate(t, e, again)
	require.Equal(t, []domain.ID{again.ID}, find("works"))
	require.Empty(t, find("paris too"), "by its own words")
}
