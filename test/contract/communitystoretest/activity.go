package communitystoretest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/community"
)

func testCountView(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t, "Ada")
	c := published(t, e, owner, companion.ProfileSpec{}, at(1))
	other := published(t, e, owner, companion.ProfileSpec{}, at(1))
	for range 3 {
		require.NoError(t, e.Store.CountView(ctx, c.ID()))
	}
	require.Equal(t, int64(3), mustGet(t, e, c.ID()).Views)
	require.Zero(t, mustGet(t, e, other.ID()).Views)
}

func testViewsConcurrently(t *testing.T, e Env) {
	owner := e.NewUser(t, "Ada")
	c := published(t, e, owner, companion.ProfileSpec{}, at(1))
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- e.Store.CountView(context.Background(), c.ID()) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int64(n), mustGet(t, e, c.ID()).Views)
}

func testRate(t *testing.T, e Env) {
	ctx := context.Background()
	owner, a, b, c := e.NewUser(t, "Ada"), e.NewUser(t, "A"), e.NewUser(t, "B"), e.NewUser(t, "C")
	pub := published(t, e, owner, companion.ProfileSpec{}, at(1))
	for _, bad := range []int{0, 6, -1} {
		_, _, err := e.Store.Rate(ctx, pub.ID(), a, bad, at(2))
		requireKind(t, err, domain.KindInvalid)
	}
	count, sum := rate(t, e, pub.ID(), a, 4)
	require.Equal(t, [2]int64{1, 4}, [2]int64{count, sum})
	count, sum = rate(t, e, pub.ID(), a, 2)
	require.Equal(t, [2]int64{1, 2}, [2]int64{count, sum}, "a person's rating replaces theirs")
	count, sum = rate(t, e, pub.ID(), b, 5)
	require.Equal(t, [2]int64{2, 7}, [2]int64{count, sum})

	l := mustGet(t, e, pub.ID())
	require.Equal(t, [2]int64{2, 7}, [2]int64{l.RatingCount, l.RatingSum})
	require.InDelta(t, 3.5, l.RatingAverage(), 1e-9)
	for user, want := range map[domain.ID]int{a: 2, b: 5, c: 0, owner: 0} {
		r, err := e.Store.RatingBy(ctx, pub.ID(), user)
		require.NoError(t, err)
		require.Equal(t, want, r)
	}
}

// Ratings of one companion at once are each counted, none lost or counted twice: every Rate
// returns the totals of a moment between the others.
func testRateConcurrently(t *testing.T, e Env) {
	owner := e.NewUser(t, "Ada")
	pub := published(t, e, owner, companion.ProfileSpec{}, at(1))
	const n = 20
	users := make([]domain.ID, n)
	for i := range users {
		users[i] = e.NewUser(t, "Rater")
	}
	type result struct {
		count, sum int64
		err        error
	}
	rateAll := func(rating func(i int) int) []result {
		out := make([]result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c, s, err := e.Store.Rate(context.Background(), pub.ID(), users[i], rating(i), at(2))
				out[i] = result{c, s, err}
			})
		}
		wg.Wait()
		return out
	}

	var want int64
	counts := map[int64]bool{}
	for i, r := range rateAll(func(i int) int { return i%5 + 1 }) {
		require.NoError(t, r.err)
		counts[r.count] = true
		want += int64(i%5 + 1)
	}
	require.Len(t, counts, n, "each rating counted after the ones before it: counts 1 to %d", n)
	l := mustGet(t, e, pub.ID())
	require.Equal(t, [2]int64{n, want}, [2]int64{l.RatingCount, l.RatingSum})

	for _, r := range rateAll(func(int) int { return 5 }) {
		require.NoError(t, r.err)
		require.Equal(t, int64(n), r.count, "replacing adds none")
	}
	l = mustGet(t, e, pub.ID())
	require.Equal(t, [2]int64{n, 5 * n}, [2]int64{l.RatingCount, l.RatingSum})
}

func testClone(t *testing.T, e Env) {
	ctx := context.Background()
	owner, fan := e.NewUser(t, "Ada"), e.NewUser(t, "Fan")
	origin := published(t, e, owner, companion.ProfileSpec{}, at(1))
	clone := newCompanion(t, e, fan, companion.ProfileSpec{})
	for _, id := range []domain.ID{origin.ID(), clone.ID()} {
		o, err := e.Store.OriginOf(ctx, id)
		require.NoError(t, err)
		require.Zero(t, o, "no clone: no origin")
	}
	require.NoError(t, e.Store.RecordClone(ctx, origin.ID(), clone.ID(), at(2)))
	o, err := e.Store.OriginOf(ctx, clone.ID())
	require.NoError(t, err)
	require.Equal(t, origin.ID(), o)
	require.Equal(t, int64(1), mustGet(t, e, origin.ID()).Clones)

	second := newCompanion(t, e, fan, companion.ProfileSpec{})
	require.NoError(t, e.Store.RecordClone(ctx, origin.ID(), second.ID(), at(3)))
	require.Equal(t, int64(2), mustGet(t, e, origin.ID()).Clones)

	// A clone finished after its origin was withdrawn still came from it.
	require.NoError(t, e.Store.Unpublish(ctx, owner, origin.ID()))
	late := newCompanion(t, e, fan, companion.ProfileSpec{})
	require.NoError(t, e.Store.RecordClone(ctx, origin.ID(), late.ID(), at(4)))
	o, err = e.Store.OriginOf(ctx, late.ID())
	require.NoError(t, err)
	require.Equal(t, origin.ID(), o)
}

func testOriginDeleted(t *testing.T, e Env) {
	ctx := context.Background()
	owner, fan := e.NewUser(t, "Ada"), e.NewUser(t, "Fan")
	origin := published(t, e, owner, companion.ProfileSpec{}, at(1))
	clone := newCompanion(t, e, fan, companion.ProfileSpec{})
	require.NoError(t, e.Store.RecordClone(ctx, origin.ID(), clone.ID(), at(2)))
	require.NoError(t, e.Companions.Companions().Delete(ctx, origin.ID()))
	o, err := e.Store.OriginOf(ctx, clone.ID())
	require.NoError(t, err)
	require.Equal(t, origin.ID(), o, "the origin's deletion leaves where the clone came from")

	require.NoError(t, e.Companions.Companions().Delete(ctx, clone.ID()))
	o, err = e.Store.OriginOf(ctx, clone.ID())
	require.NoError(t, err)
	require.Zero(t, o, "the clone's deletion takes it")
}

func testReports(t *testing.T, e Env) {
	ctx := context.Background()
	owner, r1, r2 := e.NewUser(t, "Ada"), e.NewUser(t, "R1"), e.NewUser(t, "R2")
	c := published(t, e, owner, companion.ProfileSpec{}, at(1))
	other := published(t, e, owner, companion.ProfileSpec{}, at(1))
	got, err := e.Store.Reports(ctx, c.ID())
	require.NoError(t, err)
	require.Empty(t, got)

	report := func(reporter domain.ID, reason, details string, i int) community.Report {
		return community.Report{ID: domain.NewID(at(i)), CompanionID: c.ID(), ReporterID: reporter, Reason: reason,
			Details: details, At: at(i)}
	}
	first := report(r1, "spam", "", 1)
	third := report(r2, "stolen", `Copied from "someone" — ☕`, 3)
	second := report(r1, "other", "Still spam.", 2)
	for _, r := range []community.Report{first, third, second} {
		require.NoError(t, e.Store.AddReport(ctx, r))
	}
	got, err = e.Store.Reports(ctx, c.ID())
	require.NoError(t, err)
	require.Equal(t, []community.Report{third, second, first}, got)
	got, err = e.Store.Reports(ctx, other.ID())
	require.NoError(t, err)
	require.Empty(t, got, "each companion's own")
}

func testAdult(t *testing.T, e Env) {
	ctx := context.Background()
	a, b := e.NewUser(t, "A"), e.NewUser(t, "B")
	confirmed := func(u domain.ID) bool {
		t.Helper()
		ok, err := e.Store.AdultConfirmed(ctx, u)
		require.NoError(t, err)
		return ok
	}
	require.False(t, confirmed(a))
	require.NoError(t, e.Store.ConfirmAdult(ctx, a, at(1)))
	require.True(t, confirmed(a))
	require.False(t, confirmed(b), "each user's own")
	require.NoError(t, e.Store.ConfirmAdult(ctx, a, at(2)), "confirming again")
	require.True(t, confirmed(a))
	require.NoError(t, e.Store.ConfirmAdult(ctx, a, time.Time{}))
	require.False(t, confirmed(a), "withdrawn")
	require.NoError(t, e.Store.ConfirmAdult(ctx, a, time.Time{}), "withdrawing twice")
	require.False(t, confirmed(a))
}
