package proactivestoretest

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// run is a run of s due at due and logged at when (not stored).
func run(s proactive.Schedule, outcome proactive.Outcome, due, when time.Time) proactive.Run {
	r := proactive.Run{ID: domain.NewID(when), ScheduleID: s.ID, OwnerID: s.OwnerID, Due: due, Outcome: outcome, At: when}
	switch outcome {
	case proactive.Fired:
		r.TurnID = domain.NewID(when)
	case proactive.Skipped:
		r.Reason = "quiet_hours"
	case proactive.Failed:
		r.Reason = "the model did not answer"
	}
	return r
}

// addRun logs a run of s due at due and logged at when.
func addRun(t *testing.T, e Env, s proactive.Schedule, outcome proactive.Outcome, due, when time.Time) proactive.Run {
	t.Helper()
	r := run(s, outcome, due, when)
	require.NoError(t, e.Store.AddRun(context.Background(), r))
	return r
}

// runs lists all of a schedule's runs on one page.
func runs(t *testing.T, e Env, scheduleID domain.ID) []proactive.Run {
	t.Helper()
	page, next, err := e.Store.Runs(context.Background(), scheduleID, domain.Cursor{}, 1000)
	require.NoError(t, err)
	require.Zero(t, next)
	return page
}

func firedSince(t *testing.T, e Env, owner domain.ID, since time.Time) int {
	t.Helper()
	n, err := e.Store.FiredSince(context.Background(), owner, since)
	require.NoError(t, err)
	return n
}

func testRunRoundTrip(t *testing.T, e Env) {
	owner := e.NewUser(t)
	s := created(t, e, owner, newCompanion(t, e, owner).ID(), at(1))
	fired := addRun(t, e, s, proactive.Fired, at(10), at(11))
	skipped := addRun(t, e, s, proactive.Skipped, at(20), at(20))
	failed := addRun(t, e, s, proactive.Failed, at(30), at(32))
	require.NotZero(t, fired.TurnID)
	require.Zero(t, skipped.TurnID, "a run that started no turn has none")
	require.Equal(t, []proactive.Run{failed, skipped, fired}, runs(t, e, s.ID))
	require.Empty(t, runs(t, e, domain.NewID(base)), "an unknown schedule has none")

	odd := run(s, "postponed", at(40), at(40))
	require.Error(t, e.Store.AddRun(context.Background(), odd), "an outcome that is none of the three")
	require.Len(t, runs(t, e, s.ID), 3)
}

// A retried firing logs its occurrence once: the same schedule and due time is ErrRunLogged, and
// the first run stays.
func testRunLoggedOnce(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	c := newCompanion(t, e, owner)
	s, other := created(t, e, owner, c.ID(), at(1)), created(t, e, owner, c.ID(), at(1))
	first := addRun(t, e, s, proactive.Fired, at(10), at(10))

	retry := run(s, proactive.Failed, at(10), at(12))
	err := e.Store.AddRun(ctx, retry)
	require.ErrorIs(t, err, proactive.ErrRunLogged)
	requireKind(t, err, domain.KindConflict)
	require.Equal(t, []proactive.Run{first}, runs(t, e, s.ID))

	next := addRun(t, e, s, proactive.Skipped, at(70), at(70))
	require.Equal(t, []proactive.Run{next, first}, runs(t, e, s.ID), "another occurrence is logged")
	sameDue := addRun(t, e, other, proactive.Fired, at(10), at(10))
	require.Equal(t, []proactive.Run{sameDue}, runs(t, e, other.ID), "another schedule's at the same time too")
}

// A run is of a schedule that exists and is its owner's.
func testRunSchedule(t *testing.T, e Env) {
	ctx := context.Background()
	owner, stranger := e.NewUser(t), e.NewUser(t)
	s := created(t, e, owner, newCompanion(t, e, owner).ID(), at(1))

	unknown := run(s, proactive.Fired, at(10), at(10))
	unknown.ScheduleID = domain.NewID(base)
	err := e.Store.AddRun(ctx, unknown)
	requireKind(t, err, domain.KindNotFound)
	require.ErrorIs(t, err, proactive.ErrScheduleNotFound)

	foreign := run(s, proactive.Fired, at(10), at(10))
	foreign.OwnerID = stranger
	require.ErrorIs(t, e.Store.AddRun(ctx, foreign), proactive.ErrScheduleNotFound, "under another owner")
	require.Empty(t, runs(t, e, s.ID))
	require.Zero(t, firedSince(t, e, stranger, base))

	require.NoError(t, e.Store.Delete(ctx, owner, s.ID))
	require.ErrorIs(t, e.Store.AddRun(ctx, run(s, proactive.Fired, at(20), at(20))), proactive.ErrScheduleNotFound,
		"a schedule deleted while it fired")
}

// Runs pages newest first by (At, ID): runs logged at the same moment are ordered by id, and no
// page repeats or skips one.
func testRunsPages(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	c := newCompanion(t, e, owner)
	s, other := created(t, e, owner, c.ID(), at(1)), created(t, e, owner, c.ID(), at(1))
	// Logged out of time order, three and two of them at the same moment, with ids in neither the
	// order they were logged in nor its reverse.
	ids := make([]domain.ID, 8)
	for i := range ids {
		ids[i] = domain.NewID(base) // increasing
	}
	var want []proactive.Run
	for i, p := range []struct{ when, id int }{{5, 6}, {3, 1}, {5, 3}, {1, 7}, {3, 0}, {5, 4}, {2, 2}, {4, 5}} {
		r := run(s, proactive.Skipped, at(100+i), at(p.when))
		r.ID = ids[p.id]
		require.NoError(t, e.Store.AddRun(ctx, r))
		want = append(want, r)
		addRun(t, e, other, proactive.Skipped, at(100+i), at(p.when))
	}
	slices.SortFunc(want, func(a, b proactive.Run) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.ID.String(), a.ID.String()))
	})

	for _, limit := range []int{1, 2, 3, 8, 9} {
		var got []proactive.Run
		var after domain.Cursor
		for pages := 1; ; pages++ {
			require.LessOrEqual(t, pages, len(want)+1, "limit %d: the pages do not end", limit)
			page, next, err := e.Store.Runs(ctx, s.ID, after, limit)
			require.NoError(t, err)
			require.LessOrEqual(t, len(page), limit)
			got = append(got, page...)
			if next.IsZero() {
				require.Equal(t, (len(want)+limit-1)/limit, pages, "limit %d: no empty page at the end", limit)
				break
			}
			last := page[len(page)-1]
			require.Equal(t, domain.Cursor{At: last.At, ID: last.ID}, next, "the cursor is the page's last run")
			after = next
		}
		require.Equal(t, want, got, "limit %d", limit)
	}
}

func testRunsLimit(t *testing.T, e Env) {
	owner := e.NewUser(t)
	s := created(t, e, owner, newCompanion(t, e, owner).ID(), at(1))
	addRun(t, e, s, proactive.Fired, at(2), at(2))
	for _, limit := range []int{0, -1} {
		_, _, err := e.Store.Runs(context.Background(), s.ID, domain.Cursor{}, limit)
		requireKind(t, err, domain.KindInvalid)
	}
}

// FiredSince counts the owner's fired runs at or after the time, of every schedule of theirs, and
// nothing skipped or failed, nor anyone else's.
func testFiredSince(t *testing.T, e Env) {
	owner, stranger := e.NewUser(t), e.NewUser(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	s, s2 := created(t, e, owner, c.ID(), at(1)), created(t, e, owner, other.ID(), at(1))
	theirs := created(t, e, stranger, newCompanion(t, e, stranger).ID(), at(1))
	require.Zero(t, firedSince(t, e, owner, base))

	addRun(t, e, s, proactive.Fired, at(9), at(9))
	addRun(t, e, s, proactive.Fired, at(10), at(10))
	addRun(t, e, s2, proactive.Fired, at(11), at(11))
	addRun(t, e, s, proactive.Skipped, at(12), at(12))
	addRun(t, e, s2, proactive.Failed, at(13), at(13))
	addRun(t, e, s, proactive.Fired, at(14), at(14).Add(time.Microsecond))
	addRun(t, e, theirs, proactive.Fired, at(11), at(11))
	addRun(t, e, theirs, proactive.Fired, at(12), at(12))

	for since, want := range map[time.Time]int{
		base:                             4,
		at(10):                           3, // at the time counts
		at(10).Add(time.Microsecond):     2,
		at(14):                           1,
		at(14).Add(time.Microsecond):     1,
		at(14).Add(2 * time.Microsecond): 0,
	} {
		require.Equal(t, want, firedSince(t, e, owner, since), "since %s", since)
	}
	require.Equal(t, 2, firedSince(t, e, stranger, base), "each owner's own")
	require.Zero(t, firedSince(t, e, e.NewUser(t), base))
}
