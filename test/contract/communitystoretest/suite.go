// Package communitystoretest is the conformance suite for the community store port
// (usecase/community.Store). Every implementation runs it:
//
//	communitystoretest.Run(t, func(t *testing.T) communitystoretest.Env { … })
//
// What is published are companions, which the companion store keeps; so the Env carries the
// companion store over the same database, which creates, edits, trashes and deletes them, and
// answers whether a header image is public.
package communitystoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/contract/porttest"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// Env is an empty community store private to a test, with what it refers to.
type Env struct {
	Store community.Store
	// Companions stores the companions that are published, over the same database.
	Companions companionuc.Store
	// NewUser makes a user with the display name.
	NewUser func(t *testing.T, displayName string) domain.ID
}

// Run runs the suite; subtests run in parallel, each with its own Env (lists are of everything
// published, so a test's data is its database's alone).
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"PublishIsTheOwnersOnly":             testPublishOwnerOnly,
		"RepublishKeepsTimeAndCounters":      testRepublish,
		"TrashHidesAndRestoreShows":          testTrash,
		"DeletionTakesThePublication":        testDeletion,
		"UnpublishClearsRatingsAndCounters":  testUnpublish,
		"HeaderIsPublicWhilePublished":       testHeader,
		"ListFilters":                        testFilters,
		"ListNewestPagesByKeyset":            testNewest,
		"ListPopularPagesByKeyset":           testPopular,
		"ListTopRatedPagesByKeyset":          testTopRated,
		"ListLimit":                          testLimit,
		"CountView":                          testCountView,
		"RateReplacesAndAverages":            testRate,
		"ConcurrentRatingsAreAllCounted":     testRateConcurrently,
		"RecordCloneAndOrigin":               testClone,
		"ReportsNewestFirst":                 testReports,
		"AdultConfirmationOnAndOff":          testAdult,
		"UnknownCompanionIsNotPublished":     testUnknown,
		"ConcurrentViewsAreAllCounted":       testViewsConcurrently,
		"OriginSurvivesTheOriginsDeletion":   testOriginDeleted,
		"ModeratorUnpublishesAnyOwnersEntry": testModeratorUnpublish,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

// base has microseconds, the precision every store keeps.
var base = time.Date(2026, 7, 8, 9, 10, 11, 123456000, time.UTC)

func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

// newCompanion stores a companion of owner's made from s (name and age filled in when absent).
func newCompanion(t *testing.T, e Env, owner domain.ID, s companion.ProfileSpec) *companion.Companion {
	t.Helper()
	return porttest.StoreCompanion(t, e.Companions, owner, s, base)
}

// published stores a companion of owner's and publishes it at when.
func published(t *testing.T, e Env, owner domain.ID, s companion.ProfileSpec, when time.Time) *companion.Companion {
	t.Helper()
	c := newCompanion(t, e, owner, s)
	require.NoError(t, e.Store.Publish(context.Background(), owner, c.ID(), false, when))
	return c
}

// change edits a companion as the use cases do: read for update, change, save, in one transaction.
func change(t *testing.T, e Env, owner, id domain.ID, fn func(c *companion.Companion)) {
	t.Helper()
	require.NoError(t, e.Companions.InTx(context.Background(), func(r companionuc.Repos) error {
		c, err := r.Companions().GetForUpdate(context.Background(), owner, id)
		if err != nil {
			return err
		}
		fn(c)
		return r.Companions().Update(context.Background(), c)
	}))
}

func stored(t *testing.T, e Env, owner, id domain.ID) *companion.Companion {
	t.Helper()
	c, err := e.Companions.Companions().Get(context.Background(), owner, id)
	require.NoError(t, err)
	return c
}

func mustGet(t *testing.T, e Env, id domain.ID) community.Listing {
	t.Helper()
	l, err := e.Store.Get(context.Background(), id)
	require.NoError(t, err)
	return l
}

func requireNotPublished(t *testing.T, e Env, id domain.ID) {
	t.Helper()
	_, err := e.Store.Get(context.Background(), id)
	require.ErrorIs(t, err, community.ErrNotPublished)
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}

func rate(t *testing.T, e Env, id, user domain.ID, rating int) (count, sum int64) {
	t.Helper()
	count, sum, err := e.Store.Rate(context.Background(), id, user, rating, at(50))
	require.NoError(t, err)
	return count, sum
}

func testPublishOwnerOnly(t *testing.T, e Env) {
	ctx := context.Background()
	owner, stranger := e.NewUser(t, "Ada Lovelace"), e.NewUser(t, "Bob")
	c := newCompanion(t, e, owner, companion.ProfileSpec{})
	require.ErrorIs(t, e.Store.Publish(ctx, stranger, c.ID(), true, at(1)), companion.ErrNotFound, "another's companion")
	require.ErrorIs(t, e.Store.Publish(ctx, owner, domain.NewID(base), true, at(1)), companion.ErrNotFound, "an unknown one")
	requireNotPublished(t, e, c.ID())
	require.Equal(t, companion.Private, stored(t, e, owner, c.ID()).Visibility())

	require.NoError(t, e.Store.Publish(ctx, owner, c.ID(), true, at(1)))
	l := mustGet(t, e, c.ID())
	require.Equal(t, community.Listing{Companion: stored(t, e, owner, c.ID()), CreatorName: "Ada Lovelace",
		PublishedAt: at(1), AllowCardExport: true}, l)
	require.Equal(t, companion.Public, l.Companion.Visibility(), "a published companion is public")
	require.Zero(t, l.RatingAverage())

	renamed, err := companion.NewProfile(companion.ProfileSpec{Name: "Mira Renamed", Age: 31})
	require.NoError(t, err)
	change(t, e, owner, c.ID(), func(c *companion.Companion) { c.Edit(renamed, at(2)) })
	require.Equal(t, "Mira Renamed", mustGet(t, e, c.ID()).Companion.Profile().Spec().Name, "edits show at once")

	trashed := newCompanion(t, e, owner, companion.ProfileSpec{})
	change(t, e, owner, trashed.ID(), func(c *companion.Companion) { c.Delete(at(3)) })
	require.ErrorIs(t, e.Store.Publish(ctx, owner, trashed.ID(), false, at(4)), companion.ErrNotFound,
		"a companion in the trash")
	requireNotPublished(t, e, trashed.ID())
}

func testRepublish(t *testing.T, e Env) {
	ctx := context.Background()
	owner, fan := e.NewUser(t, "Ada"), e.NewUser(t, "Fan")
	c := published(t, e, owner, companion.ProfileSpec{}, at(1))
	require.False(t, mustGet(t, e, c.ID()).AllowCardExport)
	require.NoError(t, e.Store.CountView(ctx, c.ID()))
	require.NoError(t, e.Store.CountView(ctx, c.ID()))
	rate(t, e, c.ID(), fan, 4)
	clone := newCompanion(t, e, fan, companion.ProfileSpec{})
	require.NoError(t, e.Store.RecordClone(ctx, c.ID(), clone.ID(), at(2)))

	require.NoError(t, e.Store.Publish(ctx, owner, c.ID(), true, at(5)))
	l := mustGet(t, e, c.ID())
	require.True(t, l.AllowCardExport, "publishing again updates the card export")
	require.Equal(t, at(1), l.PublishedAt, "and keeps the first publication time")
	require.Equal(t, [4]int64{2, 1, 1, 4}, [4]int64{l.Views, l.Clones, l.RatingCount, l.RatingSum}, "and the counters")
	r, err := e.Store.RatingBy(ctx, c.ID(), fan)
	require.NoError(t, err)
	require.Equal(t, 4, r)
}

func testTrash(t *testing.T, e Env) {
	ctx := context.Background()
	owner, fan := e.NewUser(t, "Ada"), e.NewUser(t, "Fan")
	c := published(t, e, owner, companion.ProfileSpec{}, at(1))
	other := published(t, e, owner, companion.ProfileSpec{}, at(2))
	require.NoError(t, e.Store.CountView(ctx, c.ID()))
	rate(t, e, c.ID(), fan, 5)

	change(t, e, owner, c.ID(), func(c *companion.Companion) { c.Delete(at(3)) })
	requireNotPublished(t, e, c.ID())
	require.Equal(t, []domain.ID{other.ID()}, listIDs(t, e, community.Filter{Ratings: allRatings}))
	require.ErrorIs(t, e.Store.CountView(ctx, c.ID()), community.ErrNotPublished)
	_, _, err := e.Store.Rate(ctx, c.ID(), fan, 3, at(4))
	require.ErrorIs(t, err, community.ErrNotPublished)

	change(t, e, owner, c.ID(), func(c *companion.Companion) { c.Restore(at(5)) })
	l := mustGet(t, e, c.ID())
	require.Equal(t, [3]int64{1, 1, 5}, [3]int64{l.Views, l.RatingCount, l.RatingSum}, "restored as it was")
	require.Equal(t, at(1), l.PublishedAt)
	require.ElementsMatch(t, []domain.ID{c.ID(), other.ID()}, listIDs(t, e, community.Filter{Ratings: allRatings}))
}

func testDeletion(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t, "Ada")
	c := published(t, e, owner, companion.ProfileSpec{}, at(1))
	require.NoError(t, e.Companions.Companions().Delete(ctx, c.ID()))
	requireNotPublished(t, e, c.ID())
	require.Empty(t, listIDs(t, e, community.Filter{Ratings: allRatings}))
	require.ErrorIs(t, e.Store.CountView(ctx, c.ID()), community.ErrNotPublished)
	require.NoError(t, e.Store.Unpublish(ctx, owner, c.ID()), "withdrawing what is gone is no error")
}

func testUnpublish(t *testing.T, e Env) {
	ctx := context.Background()
	owner, stranger, a, b := e.NewUser(t, "Ada"), e.NewUser(t, "Bob"), e.NewUser(t, "A"), e.NewUser(t, "B")
	c := published(t, e, owner, companion.ProfileSpec{}, at(1))
	rate(t, e, c.ID(), a, 2)
	rate(t, e, c.ID(), b, 5)
	require.NoError(t, e.Store.CountView(ctx, c.ID()))

	require.NoError(t, e.Store.Unpublish(ctx, stranger, c.ID()), "a stranger's withdrawal is no error…")
	require.Equal(t, int64(2), mustGet(t, e, c.ID()).RatingCount, "…and changes nothing")
	require.Equal(t, companion.Public, stored(t, e, owner, c.ID()).Visibility())

	require.NoError(t, e.Store.Unpublish(ctx, owner, c.ID()))
	requireNotPublished(t, e, c.ID())
	require.Equal(t, companion.Private, stored(t, e, owner, c.ID()).Visibility())
	for _, u := range []domain.ID{a, b} {
		r, err := e.Store.RatingBy(ctx, c.ID(), u)
		require.NoError(t, err)
		require.Zero(t, r, "the ratings went with the publication")
	}
	require.NoError(t, e.Store.Unpublish(ctx, owner, c.ID()), "withdrawing twice is no error")

	require.NoError(t, e.Store.Publish(ctx, owner, c.ID(), false, at(9)))
	l := mustGet(t, e, c.ID())
	require.Equal(t, at(9), l.PublishedAt, "published again: anew")
	require.Equal(t, [4]int64{0, 0, 0, 0}, [4]int64{l.Views, l.Clones, l.RatingCount, l.RatingSum})
	count, sum := rate(t, e, c.ID(), a, 3)
	require.Equal(t, [2]int64{1, 3}, [2]int64{count, sum}, "no rating of before counts")
}

func testModeratorUnpublish(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t, "Ada")
	c := published(t, e, owner, companion.ProfileSpec{}, at(1))
	require.NoError(t, e.Store.Unpublish(ctx, domain.ID{}, c.ID()), "no owner: any owner's")
	requireNotPublished(t, e, c.ID())
	require.Equal(t, companion.Private, stored(t, e, owner, c.ID()).Visibility())
}

func testHeader(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t, "Ada")
	c := newCompanion(t, e, owner, companion.ProfileSpec{})
	key := media.NewKey(media.JPEG)
	require.NoError(t, e.Companions.Media().Create(ctx, media.Item{Key: key, OwnerID: owner, CompanionID: c.ID(),
		Kind: media.KindHeader, ContentType: media.JPEG, Bytes: 1, Width: 1, Height: 1, CreatedAt: base}))
	change(t, e, owner, c.ID(), func(c *companion.Companion) {
		c.SetHeader(media.Image{Key: key, ContentType: media.JPEG, Bytes: 1, Width: 1, Height: 1}, at(1))
	})
	public := func() bool {
		t.Helper()
		ok, err := e.Companions.Media().PublicHeader(ctx, key)
		require.NoError(t, err)
		return ok
	}
	require.False(t, public(), "a private companion's header is private")
	require.NoError(t, e.Store.Publish(ctx, owner, c.ID(), false, at(2)))
	require.True(t, public(), "published: public")
	change(t, e, owner, c.ID(), func(c *companion.Companion) { c.Delete(at(3)) })
	require.False(t, public(), "in the trash: private")
	change(t, e, owner, c.ID(), func(c *companion.Companion) { c.Restore(at(4)) })
	require.True(t, public(), "restored: public again")
	require.NoError(t, e.Store.Unpublish(ctx, owner, c.ID()))
	require.False(t, public(), "withdrawn: private")
	require.NoError(t, e.Store.Publish(ctx, owner, c.ID(), false, at(5)))
	require.NoError(t, e.Store.Unpublish(ctx, domain.ID{}, c.ID()))
	require.False(t, public(), "withdrawn by a moderator: private")
}

func testUnknown(t *testing.T, e Env) {
	ctx := context.Background()
	owner, fan := e.NewUser(t, "Ada"), e.NewUser(t, "Fan")
	private := newCompanion(t, e, owner, companion.ProfileSpec{})
	for _, id := range []domain.ID{domain.NewID(base), private.ID()} {
		requireNotPublished(t, e, id)
		require.ErrorIs(t, e.Store.CountView(ctx, id), community.ErrNotPublished)
		_, _, err := e.Store.Rate(ctx, id, fan, 4, at(1))
		require.ErrorIs(t, err, community.ErrNotPublished)
		r, err := e.Store.RatingBy(ctx, id, fan)
		require.NoError(t, err)
		require.Zero(t, r)
	}
}
