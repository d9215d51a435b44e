package communitystoretest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/community"
)

var allRatings = []companion.ContentRating{companion.RatingGeneral, companion.RatingMature, companion.RatingExplicit}

// listIDs lists the first page of f (up to 100) and returns its companions' ids in order.
func listIDs(t *testing.T, e Env, f community.Filter) []domain.ID {
	t.Helper()
	f.Limit = 100
	page, next, err := e.Store.List(context.Background(), f)
	require.NoError(t, err)
	require.True(t, next.IsZero())
	ids := make([]domain.ID, len(page))
	for i, l := range page {
		ids[i] = l.Companion.ID()
	}
	return ids
}

func testFilters(t *testing.T, e Env) {
	owner := e.NewUser(t, "Ada")
	a := published(t, e, owner, companion.ProfileSpec{Name: "Mira", ContentRating: companion.RatingGeneral,
		Appearance: companion.Appearance{Style: companion.StyleRealistic},
		Persona: companion.Persona{Archetype: "Tsundere", RelationshipToUser: "Friend", Occupation: "Barista",
			Interests: []string{"Hiking", "Chess"}, Description: "Loves green tea."}}, at(1))
	b := published(t, e, owner, companion.ProfileSpec{Name: "100% Real", ContentRating: companion.RatingMature,
		Persona: companion.Persona{Archetype: "Mentor", RelationshipToUser: "Rival", Occupation: "Barista Trainer",
			Interests: []string{"chess club"}}}, at(2))
	c := published(t, e, owner, companion.ProfileSpec{Name: "100 Real Friends", ContentRating: companion.RatingExplicit,
		Persona: companion.Persona{Archetype: "tsundere", RelationshipToUser: "friend", Occupation: "barista",
			Description: "A Snake_case lover."}}, at(3))
	d := published(t, e, owner, companion.ProfileSpec{Name: "snakeXcase", ContentRating: companion.RatingGeneral,
		Persona: companion.Persona{Description: `Keeps an under\score.`}}, at(4))
	// What matches everything but is not to be listed: never published, and in the trash.
	everything := companion.ProfileSpec{Name: "100% Real snake_case", ContentRating: companion.RatingGeneral,
		Appearance: companion.Appearance{Style: companion.StyleRealistic},
		Persona: companion.Persona{Archetype: "Tsundere", RelationshipToUser: "Friend", Occupation: "Barista",
			Interests: []string{"Chess"}, Description: `green tea under\score`}}
	newCompanion(t, e, owner, everything)
	trashed := published(t, e, owner, everything, at(5))
	change(t, e, owner, trashed.ID(), func(c *companion.Companion) { c.Delete(at(6)) })

	for _, tc := range []struct {
		name string
		f    community.Filter
		want []*companion.Companion
	}{
		{"all", community.Filter{}, []*companion.Companion{a, b, c, d}},
		{"style", community.Filter{Style: "REALISTIC"}, []*companion.Companion{a}},
		{"style anime", community.Filter{Style: "anime"}, []*companion.Companion{b, c, d}},
		{"archetype", community.Filter{Archetype: "TSUNDERE"}, []*companion.Companion{a, c}},
		{"relationship", community.Filter{Relationship: "friend"}, []*companion.Companion{a, c}},
		{"occupation is whole", community.Filter{Occupation: "bARISTA"}, []*companion.Companion{a, c}},
		{"occupation part", community.Filter{Occupation: "Barista Train"}, nil},
		{"interest", community.Filter{Interest: "chess"}, []*companion.Companion{a}},
		{"interest other case", community.Filter{Interest: "CHESS CLUB"}, []*companion.Companion{b}},
		{"interest is whole", community.Filter{Interest: "hik"}, nil},
		{"general", community.Filter{Ratings: []companion.ContentRating{companion.RatingGeneral}}, []*companion.Companion{a, d}},
		{"general and mature", community.Filter{Ratings: []companion.ContentRating{companion.RatingGeneral,
			companion.RatingMature}}, []*companion.Companion{a, b, d}},
		{"explicit", community.Filter{Ratings: []companion.ContentRating{companion.RatingExplicit}}, []*companion.Companion{c}},
		{"query in name", community.Filter{Query: "real"}, []*companion.Companion{b, c}},
		{"query in description", community.Filter{Query: "GREEN TEA"}, []*companion.Companion{a}},
		{"query percent is literal", community.Filter{Query: "100%"}, []*companion.Companion{b}},
		{"query underscore is literal", community.Filter{Query: "e_c"}, []*companion.Companion{c}},
		{"query backslash is literal", community.Filter{Query: `r\s`}, []*companion.Companion{d}},
		{"query nothing", community.Filter{Query: "zebra"}, nil},
		{"together", community.Filter{Archetype: "tsundere", Ratings: []companion.ContentRating{companion.RatingGeneral}},
			[]*companion.Companion{a}},
		{"together nothing", community.Filter{Archetype: "tsundere", Style: "realistic", Query: "snake"}, nil},
	} {
		if tc.f.Ratings == nil {
			tc.f.Ratings = allRatings
		}
		want := make([]domain.ID, len(tc.want))
		for i, c := range tc.want {
			want[i] = c.ID()
		}
		require.ElementsMatch(t, want, listIDs(t, e, tc.f), tc.name)
	}

	page, _, err := e.Store.List(context.Background(), community.Filter{Style: "realistic", Ratings: allRatings})
	require.NoError(t, err)
	require.Len(t, page, 1)
	require.Equal(t, mustGet(t, e, a.ID()), page[0], "a list has what Get has")
}

// entry is a published companion and its key in a sort.
type entry struct {
	id  domain.ID
	key int64
}

// order sorts entries as every list does: the key, then the id, both descending.
func order(entries []entry) []domain.ID {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(x, y entry) int {
		if x.key != y.key {
			return cmp.Compare(y.key, x.key)
		}
		return strings.Compare(y.id.String(), x.id.String())
	})
	ids := make([]domain.ID, len(entries))
	for i, en := range entries {
		ids[i] = en.id
	}
	return ids
}

// requirePages walks sort s's list in pages of several sizes — each cursor through its text, as
// clients send it — and requires want's order: full pages until the last, and a cursor exactly
// when something follows.
func requirePages(t *testing.T, e Env, s community.Sort, want []domain.ID) {
	t.Helper()
	for _, limit := range []int{1, 2, 3, len(want) - 1, len(want), len(want) + 1} {
		var got []domain.ID
		after := community.Cursor{Sort: s}
		for pages := 0; ; pages++ {
			require.Less(t, pages, len(want)+1, "limit %d: the pages end", limit)
			page, next, err := e.Store.List(context.Background(), community.Filter{Ratings: allRatings, Sort: s,
				After: after, Limit: limit})
			require.NoError(t, err)
			for _, l := range page {
				got = append(got, l.Companion.ID())
			}
			if next.IsZero() {
				break
			}
			require.Len(t, page, limit, "limit %d: a page before the last is full", limit)
			require.Equal(t, s, next.Sort)
			after, err = community.ParseCursor(s, next.String())
			require.NoError(t, err)
		}
		require.Equal(t, want, got, fmt.Sprintf("%v in pages of %d", s, limit))
	}
}

func testNewest(t *testing.T, e Env) {
	owner := e.NewUser(t, "Ada")
	var entries []entry
	// Ties on the publication time are ordered by id.
	for _, sec := range []int{1, 2, 2, 2, 3, 5, 5} {
		c := published(t, e, owner, companion.ProfileSpec{}, at(sec))
		entries = append(entries, entry{c.ID(), at(sec).UnixMicro()})
	}
	requirePages(t, e, community.SortNewest, order(entries))
}

func testPopular(t *testing.T, e Env) {
	owner := e.NewUser(t, "Ada")
	var entries []entry
	for i, views := range []int{0, 3, 3, 1, 3, 0, 2} {
		// Published newest first in the other order, so that no sort passes for another.
		c := published(t, e, owner, companion.ProfileSpec{}, at(10-i))
		for range views {
			require.NoError(t, e.Store.CountView(context.Background(), c.ID()))
		}
		entries = append(entries, entry{c.ID(), int64(views)})
	}
	requirePages(t, e, community.SortPopular, order(entries))
}

func testTopRated(t *testing.T, e Env) {
	owner := e.NewUser(t, "Ada")
	raters := []domain.ID{e.NewUser(t, "A"), e.NewUser(t, "B"), e.NewUser(t, "C")}
	var entries []entry
	for i, ratings := range [][]int{{5}, {4, 5}, {5, 4}, nil, {3}, nil, {2, 3, 4}, {1, 5, 3}} {
		c := published(t, e, owner, companion.ProfileSpec{}, at(10-i))
		var sum int64
		for j, r := range ratings {
			rate(t, e, c.ID(), raters[j], r)
			sum += int64(r)
		}
		entries = append(entries, entry{c.ID(), community.RatingKey(sum, int64(len(ratings)))})
	}
	requirePages(t, e, community.SortTopRated, order(entries))

	// A rating changed moves the companion in the order.
	last := entries[len(entries)-1]
	rate(t, e, last.id, raters[0], 5)
	entries[len(entries)-1].key = community.RatingKey(5+5+3, 3)
	requirePages(t, e, community.SortTopRated, order(entries))
}

func testLimit(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t, "Ada")
	for i := range 21 {
		published(t, e, owner, companion.ProfileSpec{}, at(i))
	}
	page, next, err := e.Store.List(ctx, community.Filter{Ratings: allRatings})
	require.NoError(t, err)
	require.Len(t, page, 20, "no limit: 20")
	require.False(t, next.IsZero())
	page, next, err = e.Store.List(ctx, community.Filter{Ratings: allRatings, After: next})
	require.NoError(t, err)
	require.Len(t, page, 1)
	require.True(t, next.IsZero())

	for _, bad := range []int{-1, 101} {
		_, _, err = e.Store.List(ctx, community.Filter{Ratings: allRatings, Limit: bad})
		requireKind(t, err, domain.KindInvalid)
	}
	_, _, err = e.Store.List(ctx, community.Filter{Ratings: allRatings, Sort: community.SortPopular,
		After: community.Cursor{Sort: community.SortNewest, Key: time.Now().UnixMicro(), ID: domain.NewID(base)}})
	requireKind(t, err, domain.KindInvalid)
}
