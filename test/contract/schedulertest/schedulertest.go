// Package schedulertest is the conformance suite of the schedule.Scheduler port: adapter/local's
// in-process scheduler (over SQLite and PostgreSQL) and adapter/temporalwf's Temporal Schedules
// must keep, replace, delete, enable and fire schedules alike:
//
//	func TestConformance(t *testing.T) {
//		schedulertest.Run(t, schedulertest.Harness{New: func(t *testing.T, h schedule.Handler) schedulertest.Env {
//			s := myscheduler.New(…, h)
//			return schedulertest.Env{Scheduler: s, Fire: …}
//		}})
//	}
//
// Cron occurrences come on wall-clock minutes, hours or days, so the suite does not wait for
// them: the harness brings one about on demand (Env.Fire) — the in-process scheduler by moving
// its clock and polling, Temporal by backfilling the occurrence's instant, which starts the
// schedule's action only if Temporal's own reading of the cron and zone has an occurrence there.
// Every firing the suite expects is checked field by field, Due included; nothing sleeps.
package schedulertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// Harness is how the suite gets schedulers.
type Harness struct {
	// New returns a scheduler whose firings call handle, over storage (a database, a task queue)
	// of t's own, and stops it when t ends. It is called once per subtest; subtests run in
	// parallel.
	New func(t *testing.T, handle schedule.Handler) Env
}

// Env is one scheduler under test and the means to make its schedules' time come.
type Env struct {
	Scheduler schedule.Scheduler
	// Fire brings about the next occurrence of spec's cron, in spec's zone, after the last one it
	// brought (or after the scheduler's present, the first time), as if that time had come, and
	// returns it once the scheduler has acted on it: the Handler has returned for any firing
	// this caused. spec is what the test last put under spec.ID (or tried to). Whether anything
	// fires is the scheduler's doing: the harness only plays the clock, looking at what the
	// backend keeps no more than the backend's clock would (Temporal's backfill overrides a
	// pause, so the Temporal harness lets a paused schedule's time pass; that Put pauses it is
	// what the suite then checks). In-process harnesses move a clock shared by every schedule of
	// the Env, so other schedules due by then fire too.
	Fire func(t *testing.T, spec schedule.Spec) (occurrence time.Time)
}

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	s := suite{h: h}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T)
	}{
		{"PutRefusesInvalidSpecs", s.putRefusesInvalid},
		{"DueScheduleFiresOnce", s.firesOnce},
		{"TimeZoneAndBothDayFields", s.zoneAndDays},
		{"PutIsIdempotent", s.putIdempotent},
		{"PutReplaces", s.putReplaces},
		{"DeleteStopsFiring", s.deleteStops},
		{"DisabledNeverFires", s.disabledNeverFires},
		{"SchedulesAreIndependent", s.independent},
		{"FailedFiringDoesNotStopTheSchedule", s.failureKeepsSchedule},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t)
		})
	}
}

type suite struct{ h Harness }

// recorder is the Handler the suite hands to schedulers: it keeps every firing and answers with
// fail's error, if set.
type recorder struct {
	mu      sync.Mutex
	firings []schedule.Firing
	fail    func(schedule.Firing) error
}

func (r *recorder) handle(_ context.Context, f schedule.Firing) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.firings = append(r.firings, f)
	if r.fail != nil {
		return r.fail(f)
	}
	return nil
}

// of returns the firings of schedule id, in the order they came.
func (r *recorder) of(id domain.ID) []schedule.Firing {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []schedule.Firing
	for _, f := range r.firings {
		if f.ScheduleID == id {
			out = append(out, f)
		}
	}
	return out
}

func (s suite) env(t *testing.T) (Env, *recorder) {
	t.Helper()
	r := &recorder{}
	e := s.h.New(t, r.handle)
	require.NotNil(t, e.Scheduler)
	require.NotNil(t, e.Fire)
	return e, r
}

// newSpec is a valid, enabled daily schedule of fresh ids.
func newSpec(cron, zone string) schedule.Spec {
	now := time.Now()
	return schedule.Spec{ID: domain.NewID(now), OwnerID: domain.NewID(now), CompanionID: domain.NewID(now),
		Cron: cron, TimeZone: zone, Instruction: "Wish them a warm good morning.", Enabled: true}
}

// requireFiring checks that f is sp's firing for the occurrence at.
func requireFiring(t *testing.T, sp schedule.Spec, at time.Time, f schedule.Firing) {
	t.Helper()
	assert.Equal(t, schedule.Firing{ScheduleID: sp.ID, OwnerID: sp.OwnerID, CompanionID: sp.CompanionID,
		Instruction: sp.Instruction, Due: at.UTC()}, schedule.Firing{ScheduleID: f.ScheduleID, OwnerID: f.OwnerID,
		CompanionID: f.CompanionID, Instruction: f.Instruction, Due: f.Due.UTC()})
	assert.True(t, f.Due.Equal(at), "due %s, want the occurrence %s", f.Due, at)
}

func (s suite) putRefusesInvalid(t *testing.T) {
	e, r := s.env(t)
	ctx := t.Context()
	for field, mutate := range map[string]func(*schedule.Spec){
		"cron":         func(sp *schedule.Spec) { sp.Cron = "61 8 * * *" },
		"time_zone":    func(sp *schedule.Spec) { sp.TimeZone = "Mars/Olympus" },
		"instruction":  func(sp *schedule.Spec) { sp.Instruction = " " },
		"companion_id": func(sp *schedule.Spec) { sp.CompanionID = domain.ID{} },
	} {
		sp := newSpec("0 8 * * *", "UTC")
		mutate(&sp)
		err := e.Scheduler.Put(ctx, sp)
		require.True(t, domain.IsKind(err, domain.KindInvalid), "%s: %v", field, err)
		var named []string
		for _, v := range domain.Violations(err) {
			named = append(named, v.Field)
		}
		assert.Contains(t, named, field)
		if field != "cron" && field != "time_zone" { // Fire needs a cron to bring about
			e.Fire(t, sp)
			assert.Empty(t, r.of(sp.ID), "%s: a refused schedule is not kept", field)
		}
	}
	// A cron with a zone prefix is not a 5-field cron: the zone is TimeZone's.
	err := e.Scheduler.Put(ctx, newSpec("CRON_TZ=Asia/Tokyo 0 8 * * *", "UTC"))
	assert.True(t, domain.IsKind(err, domain.KindInvalid), "%v", err)
}

func (s suite) firesOnce(t *testing.T) {
	e, r := s.env(t)
	sp := newSpec("0 8 * * *", "Europe/Berlin")
	require.NoError(t, e.Scheduler.Put(t.Context(), sp))
	at := e.Fire(t, sp)
	got := r.of(sp.ID)
	require.Len(t, got, 1, "one occurrence, one firing")
	requireFiring(t, sp, at, got[0])
	loc, _ := time.LoadLocation(sp.TimeZone)
	assert.Equal(t, "08:00", at.In(loc).Format("15:04"), "the harness brought an 08:00 in Berlin")

	at2 := e.Fire(t, sp)
	assert.True(t, at2.After(at))
	got = r.of(sp.ID)
	require.Len(t, got, 2, "the next occurrence fires too")
	requireFiring(t, sp, at2, got[1])
}

// The cron is read in the schedule's zone, and a day matching either restricted day field
// matches: "the 13th, or a Friday" fires on Fridays that are not the 13th.
func (s suite) zoneAndDays(t *testing.T) {
	e, r := s.env(t)
	sp := newSpec("30 6 13 * FRI", "America/New_York")
	require.NoError(t, e.Scheduler.Put(t.Context(), sp))
	loc, _ := time.LoadLocation(sp.TimeZone)
	var fridays, thirteenths int
	for range 6 {
		at := e.Fire(t, sp)
		local := at.In(loc)
		assert.Equal(t, "06:30", local.Format("15:04"))
		if local.Weekday() == time.Friday {
			fridays++
		}
		if local.Day() == 13 {
			thirteenths++
		}
	}
	got := r.of(sp.ID)
	require.Len(t, got, 6)
	assert.Positive(t, fridays)
	assert.Positive(t, thirteenths, "six occurrences of Fridays-or-13ths span a 13th")
	for _, f := range got {
		local := f.Due.In(loc)
		assert.True(t, local.Weekday() == time.Friday || local.Day() == 13, "%s", local)
	}
}

func (s suite) putIdempotent(t *testing.T) {
	e, r := s.env(t)
	sp := newSpec("15 7 * * 1-5", "Asia/Tokyo")
	for range 3 {
		require.NoError(t, e.Scheduler.Put(t.Context(), sp))
	}
	at := e.Fire(t, sp)
	got := r.of(sp.ID)
	require.Len(t, got, 1, "three puts, one schedule")
	requireFiring(t, sp, at, got[0])
}

func (s suite) putReplaces(t *testing.T) {
	e, r := s.env(t)
	old := newSpec("0 8 * * *", "UTC")
	require.NoError(t, e.Scheduler.Put(t.Context(), old))
	sp := old
	sp.Cron, sp.TimeZone, sp.Instruction = "45 21 * * *", "Australia/Sydney", "Say goodnight."
	sp.CompanionID = domain.NewID(time.Now())
	require.NoError(t, e.Scheduler.Put(t.Context(), sp))
	at := e.Fire(t, sp)
	got := r.of(sp.ID)
	require.Len(t, got, 1)
	requireFiring(t, sp, at, got[0])
}

func (s suite) deleteStops(t *testing.T) {
	e, r := s.env(t)
	ctx := t.Context()
	sp := newSpec("0 8 * * *", "UTC")
	require.NoError(t, e.Scheduler.Put(ctx, sp))
	e.Fire(t, sp)
	require.Len(t, r.of(sp.ID), 1)

	require.NoError(t, e.Scheduler.Delete(ctx, sp.ID))
	e.Fire(t, sp)
	assert.Len(t, r.of(sp.ID), 1, "a deleted schedule does not fire")
	assert.NoError(t, e.Scheduler.Delete(ctx, sp.ID), "deleting twice")
	assert.NoError(t, e.Scheduler.Delete(ctx, domain.NewID(time.Now())), "deleting what never was")

	require.NoError(t, e.Scheduler.Put(ctx, sp), "a deleted schedule can be put again")
	at := e.Fire(t, sp)
	got := r.of(sp.ID)
	require.Len(t, got, 2)
	requireFiring(t, sp, at, got[1])
}

func (s suite) disabledNeverFires(t *testing.T) {
	e, r := s.env(t)
	ctx := t.Context()
	sp := newSpec("0 8 * * *", "UTC")
	sp.Enabled = false
	require.NoError(t, e.Scheduler.Put(ctx, sp))
	e.Fire(t, sp)
	assert.Empty(t, r.of(sp.ID), "created disabled")

	sp.Enabled = true
	require.NoError(t, e.Scheduler.Put(ctx, sp))
	at := e.Fire(t, sp)
	got := r.of(sp.ID)
	require.Len(t, got, 1, "enabled")
	requireFiring(t, sp, at, got[0])

	sp.Enabled = false
	require.NoError(t, e.Scheduler.Put(ctx, sp))
	e.Fire(t, sp)
	e.Fire(t, sp)
	assert.Len(t, r.of(sp.ID), 1, "disabled again")
}

func (s suite) independent(t *testing.T) {
	e, r := s.env(t)
	ctx := t.Context()
	// b's occurrences come after a's at every step of the in-process clock: 08:00, then 09:00.
	a, b := newSpec("0 8 * * *", "UTC"), newSpec("0 9 * * *", "UTC")
	b.Instruction = "Check in."
	require.NoError(t, e.Scheduler.Put(ctx, a))
	require.NoError(t, e.Scheduler.Put(ctx, b))
	at := e.Fire(t, a)
	require.Len(t, r.of(a.ID), 1)
	assert.Empty(t, r.of(b.ID), "b's time has not come")
	requireFiring(t, a, at, r.of(a.ID)[0])

	require.NoError(t, e.Scheduler.Delete(ctx, a.ID))
	atB := e.Fire(t, b)
	require.Len(t, r.of(b.ID), 1, "deleting a leaves b")
	requireFiring(t, b, atB, r.of(b.ID)[0])
	assert.Len(t, r.of(a.ID), 1)
}

func (s suite) failureKeepsSchedule(t *testing.T) {
	e, r := s.env(t)
	sp := newSpec("0 8 * * *", "UTC")
	r.mu.Lock()
	r.fail = func(f schedule.Firing) error {
		if f.ScheduleID == sp.ID && len(r.firings) == 1 {
			return domain.E(domain.KindInvalid, "bad_instruction", "the companion cannot do that")
		}
		return nil
	}
	r.mu.Unlock()
	require.NoError(t, e.Scheduler.Put(t.Context(), sp))
	e.Fire(t, sp)
	require.Len(t, r.of(sp.ID), 1, "a firing whose handler fails (not retryably) is not repeated")
	at := e.Fire(t, sp)
	got := r.of(sp.ID)
	require.Len(t, got, 2, "the schedule fires again at its next occurrence")
	requireFiring(t, sp, at, got[1])
	assert.True(t, got[1].Due.After(got[0].Due))
}
