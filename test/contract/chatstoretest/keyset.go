package chatstoretest

import (
	"cmp"
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// Messages created in the same instant page by id: no page skips or repeats one of them, in History,
// in Recent, or in where a reply stands among its alternatives.
func testKeysetTies(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c := e.NewCompanion(t)
	var msgs []chat.Message
	for range 5 {
		m := userMsg(c, 0, "same instant")
		m.ID = domain.NewID(base)
		msgs = append(msgs, m)
	}
	first := userMsg(c, -1, "before")
	mustCreate(t, e, first)
	mustCreate(t, e, msgs...)
	slices.SortFunc(msgs, func(a, b chat.Message) int { return cmp.Compare(b.ID.String(), a.ID.String()) })
	want := []domain.ID{}
	for _, m := range msgs {
		want = append(want, m.ID)
	}
	want = append(want, first.ID)

	var got []domain.ID
	page := domain.Page{Limit: 2}
	for range 10 {
		items, next, err := e.Store.Messages().History(ctx, c, page)
		require.NoError(t, err)
		for _, it := range items {
			got = append(got, it.Message.ID)
		}
		if next.IsZero() {
			break
		}
		page.After = next
	}
	require.Equal(t, want, got, "History, newest first and by id among equals")

	got = nil
	var before domain.Cursor
	for range 10 {
		recent, err := e.Store.Messages().Recent(ctx, c, before, 2)
		require.NoError(t, err)
		if len(recent) == 0 {
			break
		}
		for _, m := range recent {
			got = append(got, m.ID)
		}
		last := recent[len(recent)-1]
		before = domain.Cursor{At: last.CreatedAt, ID: last.ID}
	}
	require.Equal(t, want, got, "Recent, newest first and by id among equals")

	// Two replies written in the same instant: their order among alternatives is by id.
	u := msgs[0]
	t1, t2 := newTurn(owner, c, u.ID, 1), newTurn(owner, c, u.ID, 1)
	require.NoError(t, e.Store.Turns().Create(ctx, t1, chatuc.Idempotency{}))
	require.NoError(t, e.Store.Turns().Create(ctx, t2, chatuc.Idempotency{}))
	a, b := reply(c, u.ID, t1.ID(), 2, "A", false), reply(c, u.ID, t2.ID(), 2, "B", true)
	a.ID, b.ID = domain.NewID(at(2)), domain.NewID(at(2)) // b's id sorts after a's
	mustCreate(t, e, a, b)
	items, _, err := e.Store.Messages().History(ctx, c, domain.Page{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, b.ID, items[0].Message.ID)
	require.Equal(t, 2, items[0].Alternatives)
	require.Equal(t, 2, items[0].Index)
	require.NoError(t, e.Store.Messages().Select(ctx, u.ID, a.ID))
	items, _, err = e.Store.Messages().History(ctx, c, domain.Page{Limit: 1})
	require.NoError(t, err)
	require.Equal(t, a.ID, items[0].Message.ID)
	require.Equal(t, 1, items[0].Index)
	alts, err := e.Store.Messages().Alternatives(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, []domain.ID{a.ID, b.ID}, []domain.ID{alts[0].ID, alts[1].ID})
}
