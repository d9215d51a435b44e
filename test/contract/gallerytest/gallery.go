package gallerytest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/picture"
)

func testRoundTrip(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, reply := conversation(t, e)
	shown := newPicture(t, e, owner, c, reply.ID, at(3))
	// A standalone picture: no companion, no message, the backend's defaults, the smallest seed.
	alone := newPicture(t, e, owner, domain.ID{}, domain.ID{}, at(4))
	alone.Params = picture.Params{Prompt: "a lighthouse", Width: picture.MinSide, Height: picture.MaxSide, Seed: 0}
	alone.Model = ""
	mustCreate(t, e, shown, alone)

	for _, want := range []picture.Picture{shown, alone} {
		got, err := e.Gallery.Get(ctx, owner, want.ID)
		require.NoError(t, err)
		requireSame(t, want, got)
	}
	got, err := e.Gallery.Get(ctx, owner, shown.ID)
	require.NoError(t, err)
	require.Equal(t, int64(picture.MaxSeed), got.Params.Seed, "seeds up to 2^32-1 round-trip")
	require.Equal(t, 7.5, got.Params.CFGScale)

	list, next, err := e.Gallery.List(ctx, picture.Filter{OwnerID: owner}, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.True(t, next.IsZero())
	require.Len(t, list, 2)
	requireSame(t, alone, list[0])
	requireSame(t, shown, list[1])
}

func testOwnerScoping(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	stranger := e.NewOwner(t)
	c := newCompanion(t, e, owner)
	p := newPicture(t, e, owner, c, domain.ID{}, at(0))
	mustCreate(t, e, p)

	_, err := e.Gallery.Get(ctx, stranger, p.ID)
	requireNotFound(t, err)
	_, err = e.Gallery.Delete(ctx, stranger, p.ID)
	requireNotFound(t, err)
	_, err = e.Gallery.Get(ctx, owner, domain.NewID(base))
	requireNotFound(t, err)

	for _, f := range []picture.Filter{{OwnerID: stranger}, {OwnerID: stranger, CompanionID: c}} {
		list, next, err := e.Gallery.List(ctx, f, domain.Page{Limit: 10})
		require.NoError(t, err)
		require.Empty(t, list, "another's gallery shows nothing of the owner's, companion filter or not")
		require.True(t, next.IsZero())
		n, err := e.Gallery.Count(ctx, f)
		require.NoError(t, err)
		require.Zero(t, n)
	}
	got, err := e.Gallery.Get(ctx, owner, p.ID)
	require.NoError(t, err, "a stranger's delete left the picture")
	requireSame(t, p, got)
}

func testListPages(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	var pics []picture.Picture
	for i := range 7 {
		pics = append(pics, newPicture(t, e, owner, domain.ID{}, domain.ID{}, at(i)))
	}
	// Stored out of order: the list's order is the pictures' times, not the insertion's.
	for _, i := range []int{3, 0, 6, 1, 5, 2, 4} {
		mustCreate(t, e, pics[i])
	}
	newestFirst := slices.Clone(pics)
	slices.Reverse(newestFirst)
	f := picture.Filter{OwnerID: owner}

	page, next, err := e.Gallery.List(ctx, f, domain.Page{Limit: 3})
	require.NoError(t, err)
	require.Equal(t, ids(newestFirst[:3]), ids(page))
	requireSame(t, newestFirst[0], page[0])
	require.Equal(t, newestFirst[2].Cursor(), next)
	page, next, err = e.Gallery.List(ctx, f, domain.Page{After: next, Limit: 3})
	require.NoError(t, err)
	require.Equal(t, ids(newestFirst[3:6]), ids(page))
	page, next, err = e.Gallery.List(ctx, f, domain.Page{After: next, Limit: 3})
	require.NoError(t, err)
	require.Equal(t, ids(newestFirst[6:]), ids(page))
	require.True(t, next.IsZero(), "the last page ends with the zero cursor")

	require.Equal(t, ids(newestFirst), ids(all(t, e, f, 7)), "a page of exactly what is left is the last")
	require.Equal(t, ids(newestFirst), ids(all(t, e, f, picture.PageLimit)))
	// A cursor made by a client (from String) reads the same page as the store's own.
	c, err := domain.ParseCursor(newestFirst[1].Cursor().String())
	require.NoError(t, err)
	page, _, err = e.Gallery.List(ctx, f, domain.Page{After: c, Limit: 2})
	require.NoError(t, err)
	require.Equal(t, ids(newestFirst[2:4]), ids(page))
}

func testEqualTimes(t *testing.T, e Env) {
	owner := e.NewOwner(t)
	var pics []picture.Picture
	for i := range 5 {
		when := at(1)
		if i == 4 {
			when = at(0)
		}
		pics = append(pics, newPicture(t, e, owner, domain.ID{}, domain.ID{}, when))
	}
	mustCreate(t, e, pics...)
	want := slices.Clone(pics)
	slices.SortFunc(want, func(a, b picture.Picture) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID.String(), a.ID.String())
	})
	for _, limit := range []int{1, 2, 3, 10} {
		require.Equal(t, ids(want), ids(all(t, e, picture.Filter{OwnerID: owner}, limit)),
			"limit %d: equal times are ordered by id, descending, across pages", limit)
	}
}

func testFilterAndCount(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	a, b := newCompanion(t, e, owner), newCompanion(t, e, owner)
	var ofA, everything []picture.Picture
	for i := range 9 {
		var c domain.ID
		switch i % 3 {
		case 0:
			c = a
		case 1:
			c = b
		}
		p := newPicture(t, e, owner, c, domain.ID{}, at(i))
		mustCreate(t, e, p)
		everything = append(everything, p)
		if c == a {
			ofA = append(ofA, p)
		}
	}
	slices.Reverse(ofA)
	slices.Reverse(everything)
	other := e.NewOwner(t)
	mustCreate(t, e, newPicture(t, e, other, newCompanion(t, e, other), domain.ID{}, at(0)))

	require.Equal(t, ids(ofA), ids(all(t, e, picture.Filter{OwnerID: owner, CompanionID: a}, 2)))
	require.Equal(t, ids(everything), ids(all(t, e, picture.Filter{OwnerID: owner}, 4)))
	for f, want := range map[picture.Filter]int{
		{OwnerID: owner}: 9, {OwnerID: owner, CompanionID: a}: 3, {OwnerID: owner, CompanionID: b}: 3,
		{OwnerID: owner, CompanionID: newCompanion(t, e, owner)}: 0, {OwnerID: other}: 1,
	} {
		n, err := e.Gallery.Count(ctx, f)
		require.NoError(t, err)
		require.Equal(t, want, n, "%+v", f)
	}
}

func testDeleteFromMessage(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, reply := conversation(t, e)
	p := newPicture(t, e, owner, c, reply.ID, at(3))
	mustCreate(t, e, p)
	require.NoError(t, e.Chat.Messages().SetImage(ctx, reply.ID, p.ID, p.Image))
	// The message's user message shows no picture and must be left as it was.
	before, err := e.Chat.Messages().Get(ctx, owner, reply.ReplyTo)
	require.NoError(t, err)

	got, err := e.Gallery.Delete(ctx, owner, p.ID)
	require.NoError(t, err)
	requireSame(t, p, got)
	_, err = e.Gallery.Get(ctx, owner, p.ID)
	requireNotFound(t, err)
	_, err = e.Gallery.Delete(ctx, owner, p.ID)
	requireNotFound(t, err)

	m, err := e.Chat.Messages().Get(ctx, owner, reply.ID)
	require.NoError(t, err)
	require.True(t, m.PictureRemoved, "the message says its picture was deleted")
	require.Equal(t, media.Image{}, m.Image, "and shows it no more")
	require.True(t, m.PictureID.IsZero())
	require.Equal(t, reply.Text, m.Text)
	// Every read of messages says so: the history a page shows, the window a reply reads.
	items, _, err := e.Chat.Messages().History(ctx, c, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Equal(t, reply.ID, items[0].Message.ID)
	require.True(t, items[0].Message.PictureRemoved)
	require.True(t, items[0].Message.Image.IsZero())
	recent, err := e.Chat.Messages().Recent(ctx, c, domain.Cursor{}, 10)
	require.NoError(t, err)
	require.Equal(t, reply.ID, recent[0].ID)
	require.True(t, recent[0].PictureRemoved)
	after, err := e.Chat.Messages().Get(ctx, owner, reply.ReplyTo)
	require.NoError(t, err)
	require.Equal(t, before, after)

	n, err := e.Gallery.Count(ctx, picture.Filter{OwnerID: owner})
	require.NoError(t, err)
	require.Zero(t, n)
}

func testDeleteStandalone(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	p := newPicture(t, e, owner, domain.ID{}, domain.ID{}, at(0))
	keep := newPicture(t, e, owner, domain.ID{}, domain.ID{}, at(1))
	mustCreate(t, e, p, keep)
	got, err := e.Gallery.Delete(ctx, owner, p.ID)
	require.NoError(t, err)
	requireSame(t, p, got)
	list, _, err := e.Gallery.List(ctx, picture.Filter{OwnerID: owner}, domain.Page{Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []domain.ID{keep.ID}, ids(list), "only the deleted picture is gone")
}

func testDuplicate(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	p := newPicture(t, e, owner, domain.ID{}, domain.ID{}, at(0))
	mustCreate(t, e, p)
	again := newPicture(t, e, owner, domain.ID{}, domain.ID{}, at(5))
	again.ID = p.ID
	requireKind(t, e.Gallery.Create(ctx, again), domain.KindConflict)
	got, err := e.Gallery.Get(ctx, owner, p.ID)
	require.NoError(t, err)
	requireSame(t, p, got)
}

func testOwnerDeletion(t *testing.T, e Env) {
	ctx := context.Background()
	owner, c, reply := conversation(t, e)
	other := e.NewOwner(t)
	mustCreate(t, e, newPicture(t, e, owner, c, reply.ID, at(3)),
		newPicture(t, e, owner, domain.ID{}, domain.ID{}, at(4)))
	kept := newPicture(t, e, other, domain.ID{}, domain.ID{}, at(5))
	mustCreate(t, e, kept)

	e.DeleteOwner(t, owner)
	for _, f := range []picture.Filter{{OwnerID: owner}, {OwnerID: owner, CompanionID: c}} {
		n, err := e.Gallery.Count(ctx, f)
		require.NoError(t, err)
		require.Zero(t, n, "a user's pictures go with the user")
		list, _, err := e.Gallery.List(ctx, f, domain.Page{Limit: 10})
		require.NoError(t, err)
		require.Empty(t, list)
	}
	got, err := e.Gallery.Get(ctx, other, kept.ID)
	require.NoError(t, err, "another user's pictures stay")
	requireSame(t, kept, got)
}
