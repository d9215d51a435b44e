// Package proactivestoretest is the conformance suite for the store of schedules and their runs
// (usecase/proactive.Store). Every implementation runs it:
//
//	proactivestoretest.Run(t, func(t *testing.T) proactivestoretest.Env { … })
//
// A schedule is for a companion of its owner's, so the Env carries the companion store over the
// same database, which creates, trashes and deletes companions; and ways to make and delete users.
package proactivestoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/contract/porttest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// Env is an empty schedule store private to a test, with what its schedules refer to.
type Env struct {
	Store proactive.Store
	// Companions stores the companions schedules are for, over the same database.
	Companions companionuc.Store
	// NewUser makes a user; DeleteUser deletes one for good (as closing an account would).
	NewUser    func(t *testing.T) domain.ID
	DeleteUser func(t *testing.T, id domain.ID)
}

// Run runs the suite; subtests run in parallel, each with its own Env.
func Run(t *testing.T, newEnv func(t *testing.T) Env) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, Env){
		"RoundTripKeepsEverything":         testRoundTrip,
		"OwnerScoping":                     testOwnerScoping,
		"CreateNeedsTheOwnersCompanion":    testCreateCompanion,
		"CreateTwiceConflicts":             testCreateTwice,
		"UpdateChangesWhatItSays":          testUpdate,
		"DeleteTakesTheRuns":               testDelete,
		"ListByCompanionOldestFirst":       testList,
		"AllPagesEveryOwnersByID":          testAll,
		"CompanionDeletionCascades":        testCompanionDeletion,
		"UserDeletionCascades":             testUserDeletion,
		"RunRoundTrip":                     testRunRoundTrip,
		"OccurrenceIsLoggedOnce":           testRunLoggedOnce,
		"RunNeedsTheOwnersSchedule":        testRunSchedule,
		"RunsPageNewestFirst":              testRunsPages,
		"RunsLimit":                        testRunsLimit,
		"FiredSinceCountsTheOwnersFiredOn": testFiredSince,
		"NotificationsOptInAndOut":         testNotifications,
		"PreferencesAreThePersonsWhole":    testPreferences,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t))
		})
	}
}

// base has microseconds, the precision every store keeps.
var base = time.Date(2026, 8, 9, 10, 11, 12, 345678000, time.UTC)

func at(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }

// newCompanion stores a companion of owner's.
func newCompanion(t *testing.T, e Env, owner domain.ID) *companion.Companion {
	t.Helper()
	return porttest.StoreCompanion(t, e.Companions, owner, companion.ProfileSpec{}, base)
}

// schedule is a custom schedule of owner's for companion, created at when (not stored).
func schedule(owner, companionID domain.ID, when time.Time) proactive.Schedule {
	return proactive.Schedule{ID: domain.NewID(when), OwnerID: owner, CompanionID: companionID,
		Instruction: "Ask how the day went.", Cron: "0 20 * * *", TimeZone: "Europe/Berlin", Enabled: true,
		CreatedAt: when, UpdatedAt: when}
}

// created stores a schedule of owner's for companion, created at when.
func created(t *testing.T, e Env, owner, companionID domain.ID, when time.Time) proactive.Schedule {
	t.Helper()
	s := schedule(owner, companionID, when)
	require.NoError(t, e.Store.Create(context.Background(), s))
	return s
}

func mustGet(t *testing.T, e Env, owner, id domain.ID) proactive.Schedule {
	t.Helper()
	s, err := e.Store.Get(context.Background(), owner, id)
	require.NoError(t, err)
	return s
}

func requireNotFound(t *testing.T, e Env, owner, id domain.ID) {
	t.Helper()
	_, err := e.Store.Get(context.Background(), owner, id)
	require.ErrorIs(t, err, proactive.ErrScheduleNotFound)
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}

func list(t *testing.T, e Env, owner, companionID domain.ID) []proactive.Schedule {
	t.Helper()
	got, err := e.Store.ListByCompanion(context.Background(), owner, companionID)
	require.NoError(t, err)
	return got
}

func testRoundTrip(t *testing.T, e Env) {
	owner := e.NewUser(t)
	c := newCompanion(t, e, owner)
	custom := created(t, e, owner, c.ID(), at(1))
	preset := proactive.Schedule{ID: domain.NewID(at(2)), OwnerID: owner, CompanionID: c.ID(),
		Preset: "good_morning", Cron: "30 7 * * 1-5", TimeZone: "America/New_York", Enabled: false,
		CreatedAt: at(2), UpdatedAt: at(3)}
	require.NoError(t, e.Store.Create(context.Background(), preset))
	for _, s := range []proactive.Schedule{custom, preset} {
		require.Equal(t, s, mustGet(t, e, owner, s.ID))
		require.Equal(t, s, mustGet(t, e, domain.ID{}, s.ID), "no owner: anyone's (the firing's)")
	}
}

func testOwnerScoping(t *testing.T, e Env) {
	ctx := context.Background()
	owner, stranger := e.NewUser(t), e.NewUser(t)
	c := newCompanion(t, e, owner)
	s := created(t, e, owner, c.ID(), at(1))

	requireNotFound(t, e, stranger, s.ID)
	requireNotFound(t, e, owner, domain.NewID(base))
	requireNotFound(t, e, domain.ID{}, domain.NewID(base))

	theirs := s
	theirs.OwnerID, theirs.Cron, theirs.UpdatedAt = stranger, "0 0 * * *", at(2)
	require.ErrorIs(t, e.Store.Update(ctx, theirs), proactive.ErrScheduleNotFound, "a stranger's update")
	theirs.OwnerID = domain.ID{}
	require.ErrorIs(t, e.Store.Update(ctx, theirs), proactive.ErrScheduleNotFound, "no owner updates nothing")
	require.ErrorIs(t, e.Store.Delete(ctx, stranger, s.ID), proactive.ErrScheduleNotFound, "a stranger's delete")
	require.ErrorIs(t, e.Store.Delete(ctx, domain.ID{}, s.ID), proactive.ErrScheduleNotFound, "no owner deletes nothing")
	require.Empty(t, list(t, e, stranger, c.ID()), "a stranger lists none of the owner's")
	require.Equal(t, s, mustGet(t, e, owner, s.ID), "all that left it as it was")
}

// Create refuses a companion that is not the owner's as one that does not exist; one in the trash
// is still the owner's (the use case, not the store, refuses it).
func testCreateCompanion(t *testing.T, e Env) {
	ctx := context.Background()
	owner, stranger := e.NewUser(t), e.NewUser(t)
	theirs := newCompanion(t, e, stranger)
	for name, s := range map[string]proactive.Schedule{
		"another's companion": schedule(owner, theirs.ID(), at(1)),
		"an unknown one":      schedule(owner, domain.NewID(base), at(1)),
	} {
		err := e.Store.Create(ctx, s)
		requireKind(t, err, domain.KindNotFound)
		require.ErrorIs(t, err, companion.ErrNotFound, name)
		requireNotFound(t, e, domain.ID{}, s.ID)
	}
	require.Empty(t, list(t, e, owner, theirs.ID()))
	require.Empty(t, list(t, e, stranger, theirs.ID()))

	trashed := newCompanion(t, e, owner)
	require.NoError(t, e.Companions.InTx(ctx, func(r companionuc.Repos) error {
		c, err := r.Companions().GetForUpdate(ctx, owner, trashed.ID())
		if err != nil {
			return err
		}
		c.Delete(at(2))
		return r.Companions().Update(ctx, c)
	}))
	s := created(t, e, owner, trashed.ID(), at(3))
	require.Equal(t, s, mustGet(t, e, owner, s.ID))
}

func testCreateTwice(t *testing.T, e Env) {
	owner := e.NewUser(t)
	c := newCompanion(t, e, owner)
	s := created(t, e, owner, c.ID(), at(1))
	again := s
	again.Cron = "0 9 * * *"
	requireKind(t, e.Store.Create(context.Background(), again), domain.KindConflict)
	require.Equal(t, s, mustGet(t, e, owner, s.ID), "the first kept")
}

// Update replaces the preset, instruction, cron, zone, enabled flag and UpdatedAt, and nothing else:
// not the companion, the owner or CreatedAt.
func testUpdate(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	s := created(t, e, owner, c.ID(), at(1))
	untouched := created(t, e, owner, c.ID(), at(2))

	changed := s
	changed.Preset, changed.Instruction, changed.Cron, changed.TimeZone, changed.Enabled =
		"good_night", "", "45 22 * * *", "Asia/Tokyo", false
	changed.UpdatedAt = at(10)
	attempt := changed
	attempt.CompanionID, attempt.CreatedAt = other.ID(), at(9)
	require.NoError(t, e.Store.Update(ctx, attempt))
	require.Equal(t, changed, mustGet(t, e, owner, s.ID))
	require.Equal(t, untouched, mustGet(t, e, owner, untouched.ID), "only that schedule")
	require.Empty(t, list(t, e, owner, other.ID()), "the companion stays")

	changed.Preset, changed.Instruction, changed.Enabled, changed.UpdatedAt = "", "Tell me a joke.", true, at(11)
	require.NoError(t, e.Store.Update(ctx, changed))
	require.Equal(t, changed, mustGet(t, e, owner, s.ID), "and back")

	unknown := schedule(owner, c.ID(), at(12))
	require.ErrorIs(t, e.Store.Update(ctx, unknown), proactive.ErrScheduleNotFound)
	requireNotFound(t, e, owner, unknown.ID)
}

func testDelete(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	c := newCompanion(t, e, owner)
	s, kept := created(t, e, owner, c.ID(), at(1)), created(t, e, owner, c.ID(), at(2))
	for _, sc := range []proactive.Schedule{s, kept} {
		addRun(t, e, sc, proactive.Fired, at(3), at(3))
	}

	require.NoError(t, e.Store.Delete(ctx, owner, s.ID))
	requireNotFound(t, e, owner, s.ID)
	require.Empty(t, runs(t, e, s.ID), "its runs went with it")
	require.Equal(t, []proactive.Schedule{kept}, list(t, e, owner, c.ID()))
	require.Len(t, runs(t, e, kept.ID), 1, "the other's stay")
	require.Equal(t, 1, firedSince(t, e, owner, base))
	require.ErrorIs(t, e.Store.Delete(ctx, owner, s.ID), proactive.ErrScheduleNotFound, "deleting twice")
}

func testList(t *testing.T, e Env) {
	owner, stranger := e.NewUser(t), e.NewUser(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	theirs := newCompanion(t, e, stranger)
	require.Empty(t, list(t, e, owner, c.ID()))

	third := created(t, e, owner, c.ID(), at(3))
	first := created(t, e, owner, c.ID(), at(1))
	created(t, e, owner, other.ID(), at(2))
	created(t, e, stranger, theirs.ID(), at(2))
	second := created(t, e, owner, c.ID(), at(2))

	require.Equal(t, []proactive.Schedule{first, second, third}, list(t, e, owner, c.ID()))
	require.Len(t, list(t, e, owner, other.ID()), 1, "each companion's own")
	require.Empty(t, list(t, e, owner, theirs.ID()), "the owner's only")
	require.Empty(t, list(t, e, owner, domain.NewID(base)))
}

// Deleting a companion for good (the purge) takes its schedules and their runs.
func testCompanionDeletion(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewUser(t)
	c, other := newCompanion(t, e, owner), newCompanion(t, e, owner)
	gone, kept := created(t, e, owner, c.ID(), at(1)), created(t, e, owner, other.ID(), at(1))
	addRun(t, e, gone, proactive.Fired, at(2), at(2))
	addRun(t, e, kept, proactive.Fired, at(2), at(2))

	require.NoError(t, e.Companions.Companions().Delete(ctx, c.ID()))
	requireNotFound(t, e, domain.ID{}, gone.ID)
	require.Empty(t, list(t, e, owner, c.ID()))
	require.Empty(t, runs(t, e, gone.ID))
	require.Equal(t, kept, mustGet(t, e, owner, kept.ID), "another companion's stay")
	require.Equal(t, 1, firedSince(t, e, owner, base))
}

// Deleting a user takes their schedules and runs, and no one else's.
func testUserDeletion(t *testing.T, e Env) {
	owner, other := e.NewUser(t), e.NewUser(t)
	gone := created(t, e, owner, newCompanion(t, e, owner).ID(), at(1))
	kept := created(t, e, other, newCompanion(t, e, other).ID(), at(1))
	addRun(t, e, gone, proactive.Fired, at(2), at(2))
	keptRun := addRun(t, e, kept, proactive.Fired, at(2), at(2))

	e.DeleteUser(t, owner)
	requireNotFound(t, e, domain.ID{}, gone.ID)
	require.Empty(t, runs(t, e, gone.ID))
	require.Zero(t, firedSince(t, e, owner, base))
	require.Equal(t, kept, mustGet(t, e, other, kept.ID))
	require.Equal(t, []proactive.Run{keptRun}, runs(t, e, kept.ID))
}

// All pages through every owner's schedules by id. The store may hold other tests' schedules:
// the suite checks the order of everything listed and that this test's are all there, once.
func testAll(t *testing.T, e Env) {
	ctx := context.Background()
	_, err := e.Store.All(ctx, domain.ID{}, 0)
	requireKind(t, err, domain.KindInvalid)

	owner, stranger := e.NewUser(t), e.NewUser(t)
	c, theirs := newCompanion(t, e, owner), newCompanion(t, e, stranger)
	var want []proactive.Schedule
	for i := range 5 {
		if i%2 == 0 {
			want = append(want, created(t, e, owner, c.ID(), at(i)))
		} else {
			want = append(want, created(t, e, stranger, theirs.ID(), at(i)))
		}
	}
	mine := map[domain.ID]bool{owner: true, stranger: true}
	var got []proactive.Schedule
	var after domain.ID
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000, "paging ends")
		page, err := e.Store.All(ctx, after, 2)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 2)
		if len(page) == 0 {
			break
		}
		for _, s := range page {
			if !after.IsZero() {
				require.Less(t, after.String(), s.ID.String(), "by id, after the cursor")
			}
			after = s.ID
			if mine[s.OwnerID] {
				got = append(got, s)
			}
		}
	}
	require.Equal(t, want, got, "every owner's, each once, whole")
}
