package proactive_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/hubtest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	"github.com/companionhub/companionhub/usecase"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/schedule"
	"github.com/companionhub/companionhub/usecase/usage"
)

// The proactive use cases through the hub's own wiring (core.New) on SQLite, with a clock the test
// sets: quiet hours run from 22:30 to 07:00 in the schedule's zone.
type env struct {
	hub   *core.Hub
	clock *clocktest.Clock
	owner domain.ID
	comp  domain.ID
}

func newEnv(t *testing.T, dailyCap int, opts ...core.Option) *env {
	t.Helper()
	ctx := context.Background()
	cfg := hubtest.Config(t)
	cfg.Proactive.DailyCap = dailyCap
	clock := clocktest.New(time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)) // quiet, in UTC
	cfg.HTTP.PublicURL = "https://hub.example"
	hub, err := core.New(ctx, cfg, zap.NewNop(), append([]core.Option{core.WithDatabase(sqlitetest.Open(t)), core.WithClock(clock)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: "ada@example.com", Username: "ada", DisplayName: "Ada",
		Password: "plum-ferry-osmosis-42", ByAdmin: true})
	require.NoError(t, err)
	c, err := hub.Companions.Create.Handle(ctx, companionuc.Create{OwnerID: u.ID(), Profile: companion.ProfileSpec{Name: "Mira", Age: 28}})
	require.NoError(t, err)
	return &env{hub: hub, clock: clock, owner: u.ID(), comp: c.ID()}
}

func (e *env) create(t *testing.T, in proactive.Create) proactive.Schedule {
	t.Helper()
	in.OwnerID, in.CompanionID = e.owner, e.comp
	l, err := e.hub.Proactive.Create.Handle(context.Background(), in)
	require.NoError(t, err)
	return l.Schedule
}

// awaitTurn waits until the turn has ended.
func (e *env) awaitTurn(t *testing.T, id domain.ID) {
	t.Helper()
	sub, err := e.hub.Chat.Follow.Handle(context.Background(), chatuc.Follow{OwnerID: e.owner, TurnID: id})
	require.NoError(t, err)
	defer sub.Close()
	awaittest.Ended(t, sub, "the companion's turn")
}

func (e *env) fire(t *testing.T, s proactive.Schedule) proactive.Run {
	t.Helper()
	run, err := e.hub.Proactive.Fire.Handle(context.Background(), schedule.Firing{ScheduleID: s.ID, Due: e.clock.Now()})
	require.NoError(t, err)
	return run
}

func TestQuietHoursThenTheCompanionWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 6)
	s := e.create(t, proactive.Create{Preset: "goodnight", TimeZone: "UTC"})
	run := e.fire(t, s)
	require.Equal(t, proactive.Skipped, run.Outcome)
	require.Equal(t, proactive.ReasonQuietHours, run.Reason)

	// In Tokyo it is already 08:00: not quiet there.
	tokyo := e.create(t, proactive.Create{Instruction: "Say good morning.", Cron: "0 8 * * *", TimeZone: "Asia/Tokyo"})
	run = e.fire(t, tokyo)
	require.Equal(t, proactive.Fired, run.Outcome, run.Reason)
	require.False(t, run.TurnID.IsZero())

	page, err := e.hub.Proactive.Runs.Handle(context.Background(), proactive.ListRuns{OwnerID: e.owner, ID: tokyo.ID, Page: domain.Page{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, page.Runs, 1)
}

func TestTheDailyCapPausedAndTrashed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	ctx := context.Background()
	e.clock.Advance(10 * time.Hour) // 09:00 UTC
	s := e.create(t, proactive.Create{Preset: "thinking_of_you", TimeZone: "UTC"})
	require.Equal(t, proactive.Fired, e.fire(t, s).Outcome)
	e.clock.Advance(time.Hour)
	run := e.fire(t, s)
	require.Equal(t, proactive.Skipped, run.Outcome)
	require.Equal(t, proactive.ReasonDailyCap, run.Reason)

	paused := false
	_, err := e.hub.Proactive.Update.Handle(ctx, proactive.Update{OwnerID: e.owner, ID: s.ID, Enabled: &paused})
	require.NoError(t, err)
	e.clock.Advance(time.Hour)
	require.Equal(t, proactive.ReasonPaused, e.fire(t, s).Reason)

	_, err = e.hub.Companions.Delete.Handle(ctx, companionuc.Delete{OwnerID: e.owner, ID: e.comp})
	require.NoError(t, err)
	on := true
	_, err = e.hub.Proactive.Update.Handle(ctx, proactive.Update{OwnerID: e.owner, ID: s.ID, Enabled: &on})
	require.NoError(t, err)
	e.clock.Advance(time.Hour)
	require.Equal(t, proactive.ReasonCompanionTrashed, e.fire(t, s).Reason)
	_, err = e.hub.Proactive.Create.Handle(ctx, proactive.Create{OwnerID: e.owner, CompanionID: e.comp, Preset: "goodnight"})
	require.ErrorIs(t, err, companion.ErrTrashed)
}

func TestLimitsAndDeletion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 6)
	ctx := context.Background()
	var last proactive.Schedule
	for i := range 10 {
		last = e.create(t, proactive.Create{Instruction: fmt.Sprintf("Note %d", i), Cron: "0 12 * * *"})
	}
	_, err := e.hub.Proactive.Create.Handle(ctx, proactive.Create{OwnerID: e.owner, CompanionID: e.comp, Preset: "goodnight"})
	require.True(t, domain.IsKind(err, domain.KindConflict), "ten a companion: %v", err)

	_, err = e.hub.Proactive.Delete.Handle(ctx, proactive.Delete{OwnerID: e.owner, ID: last.ID})
	require.NoError(t, err)
	run, err := e.hub.Proactive.Fire.Handle(ctx, schedule.Firing{ScheduleID: last.ID, Due: e.clock.Now()})
	require.NoError(t, err)
	require.Empty(t, run.Outcome, "a deleted schedule does nothing")
	_, err = e.hub.Proactive.Delete.Handle(ctx, proactive.Delete{ID: last.ID})
	require.ErrorIs(t, err, proactive.ErrScheduleNotFound, "nobody's schedule through a person's use case")
}

func TestQuietHoursSpanMidnight(t *testing.T) {
	t.Parallel()
	q, err := proactive.ParseQuietHours("22:30-07:00")
	require.NoError(t, err)
	for hm, quiet := range map[string]bool{"22:29": false, "22:30": true, "03:00": true, "06:59": true, "07:00": false, "12:00": false} {
		at, _ := time.Parse("15:04", hm)
		require.Equal(t, quiet, q.Contains(at), hm)
	}
	day, err := proactive.ParseQuietHours("13:00-14:00")
	require.NoError(t, err)
	require.True(t, day.Contains(time.Date(2026, 1, 1, 13, 30, 0, 0, time.UTC)))
	for _, off := range []string{"off", " None "} {
		q, err := proactive.ParseQuietHours(off)
		require.NoError(t, err)
		require.Equal(t, proactive.QuietHours{}, q, "an environment variable cannot be set empty: %q says none", off)
	}
	none, err := proactive.ParseQuietHours("")
	require.NoError(t, err)
	require.False(t, none.Contains(time.Now()))
	_, err = proactive.ParseQuietHours("25:00-07:00")
	require.Error(t, err)
}

// notifier records notifications, or fails them.
type notifier struct {
	mu   sync.Mutex
	got  []proactive.Notification
	fail error
}

func (n *notifier) Notify(_ context.Context, x proactive.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail != nil {
		return n.fail
	}
	n.got = append(n.got, x)
	return nil
}

func (n *notifier) sent() []proactive.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]proactive.Notification(nil), n.got...)
}

// TestNotificationsTellOnlyThoseWhoAsked: a person who asked is told who wrote and where to read
// it (never what); one who did not is not; a failed delivery is said on the run, which still fired.
func TestNotificationsTellOnlyThoseWhoAsked(t *testing.T) {
	t.Parallel()
	n := &notifier{}
	e := newEnv(t, 10, core.WithNotifier(n))
	ctx := context.Background()
	e.clock.Advance(10 * time.Hour) // 09:00 UTC, not quiet
	s := e.create(t, proactive.Create{Preset: "thinking_of_you", TimeZone: "UTC"})
	first := e.fire(t, s)
	require.Equal(t, proactive.Fired, first.Outcome)
	require.Empty(t, n.sent(), "nobody asked")
	e.awaitTurn(t, first.TurnID) // one turn at a time per companion

	st, err := e.hub.Proactive.SetNotifications.Handle(ctx, proactive.SetNotifications{UserID: e.owner, Enabled: true})
	require.NoError(t, err)
	require.True(t, st.Enabled && st.Available)
	e.clock.Advance(time.Hour)
	run := e.fire(t, s)
	require.Equal(t, proactive.Fired, run.Outcome)
	require.Empty(t, run.Reason)
	got := n.sent()
	require.Len(t, got, 1)
	require.Equal(t, "Mira wrote to you", got[0].Title)
	require.Equal(t, "ada", got[0].Username)
	require.Equal(t, "https://hub.example/chat/"+e.comp.String(), got[0].URL)
	require.Equal(t, run.TurnID, got[0].TurnID)
	e.awaitTurn(t, run.TurnID)

	n.fail = domain.E(domain.KindUnavailable, "down", "the receiver is down")
	e.clock.Advance(time.Hour)
	run = e.fire(t, s)
	require.Equal(t, proactive.Fired, run.Outcome, "the companion wrote all the same: %s", run.Reason)
	require.Equal(t, "notification_failed", run.Reason)
}

func TestNotificationsNeedANotifier(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 6)
	_, err := e.hub.Proactive.SetNotifications.Handle(context.Background(), proactive.SetNotifications{UserID: e.owner, Enabled: true})
	require.True(t, domain.IsKind(err, domain.KindInvalid), "%v", err)
}

// scheduler is a schedule.Scheduler that keeps what it is told, failing Puts while fail is set.
type scheduler struct {
	mu    sync.Mutex
	specs map[domain.ID]schedule.Spec
	puts  int
	fail  error
}

func (s *scheduler) Put(_ context.Context, sp schedule.Spec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if s.specs == nil {
		s.specs = map[domain.ID]schedule.Spec{}
	}
	s.specs[sp.ID] = sp
	s.puts++
	return nil
}

func (s *scheduler) Delete(_ context.Context, id domain.ID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.specs, id)
	return nil
}

func (s *scheduler) kept() map[domain.ID]schedule.Spec {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[domain.ID]schedule.Spec{}
	for id, sp := range s.specs {
		out[id] = sp
	}
	return out
}

// A scheduler given to the hub (Temporal's, on that profile) keeps the schedules: Resync hands it
// every stored one — paused ones paused — and a firing of one that is gone tells the scheduler to
// drop it. (Paging through the store is its conformance suite's AllPagesEveryOwnersByID.)
func TestResyncAndFiringsOfDeletedSchedules(t *testing.T) {
	t.Parallel()
	sched := &scheduler{}
	e := newEnv(t, 6, core.WithScheduler(sched))
	ctx := context.Background()
	off := false
	paused := e.create(t, proactive.Create{Preset: "goodnight", Enabled: &off})
	made := []proactive.Schedule{paused}
	for i := range 9 {
		made = append(made, e.create(t, proactive.Create{Instruction: fmt.Sprintf("Note %d", i), Cron: "0 12 * * *"}))
	}
	require.Len(t, sched.kept(), 10, "each put as it was made")

	// The scheduler loses them (a Temporal namespace recreated): Resync puts them back.
	sched.mu.Lock()
	sched.specs, sched.puts = nil, 0
	sched.mu.Unlock()
	res, err := e.hub.Proactive.Resync.Handle(ctx, proactive.Resync{})
	require.NoError(t, err)
	require.Equal(t, proactive.Resynced{Put: 10}, res)
	kept := sched.kept()
	require.Len(t, kept, 10)
	for _, s := range made {
		sp := kept[s.ID]
		require.Equal(t, s.Enabled, sp.Enabled, "paused stays paused")
		require.Equal(t, s.Cron, sp.Cron)
		require.Equal(t, s.EffectiveInstruction(), sp.Instruction)
		require.Equal(t, e.owner, sp.OwnerID)
		require.Equal(t, e.comp, sp.CompanionID)
	}

	sched.mu.Lock()
	sched.fail = domain.E(domain.KindUnavailable, "down", "the scheduler is down")
	sched.mu.Unlock()
	res, err = e.hub.Proactive.Resync.Handle(ctx, proactive.Resync{})
	require.True(t, domain.IsKind(err, domain.KindUnavailable), "%v", err)
	require.Equal(t, proactive.Resynced{Failed: 10}, res, "every schedule tried, each failure counted")
	sched.mu.Lock()
	sched.fail = nil
	sched.mu.Unlock()

	// Deleted with its companion (the purge): the next firing drops it from the scheduler.
	gone := made[3]
	_, err = e.hub.Companions.Delete.Handle(ctx, companionuc.Delete{OwnerID: e.owner, ID: e.comp})
	require.NoError(t, err)
	e.clock.Advance(core.DefaultConfig().CompanionRetention + time.Hour)
	purged, err := e.hub.Companions.Purge.Handle(ctx, companionuc.Purge{})
	require.NoError(t, err)
	require.Equal(t, 1, purged.Companions)
	run, err := e.hub.Proactive.Fire.Handle(ctx, schedule.Firing{ScheduleID: gone.ID, Due: e.clock.Now()})
	require.NoError(t, err)
	require.Empty(t, run.Outcome, "nothing to fire, nothing to log")
	require.NotContains(t, sched.kept(), gone.ID, "the scheduler is told to drop it")
	require.Contains(t, sched.kept(), made[4].ID, "the others stay until they fire")
}

// A person's own limits replace the hub's: their quiet hours (or none), and a daily cap no higher
// than the hub's.
func TestAPersonsOwnQuietHoursAndCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 6)
	ctx := context.Background()
	s := e.create(t, proactive.Create{Preset: "goodnight", TimeZone: "UTC"}) // 23:00 UTC: quiet for the hub

	never, one := "", 1
	st, err := e.hub.Proactive.SetPreferences.Handle(ctx, proactive.SetPreferences{UserID: e.owner, QuietHours: &never, DailyCap: &one})
	require.NoError(t, err)
	require.Equal(t, proactive.Limits{DailyCap: 1}, st.Effective)
	run := e.fire(t, s)
	require.Equal(t, proactive.Fired, run.Outcome, "never quiet for this person: %s", run.Reason)
	e.awaitTurn(t, run.TurnID)
	e.clock.Advance(time.Minute)
	run = e.fire(t, s)
	require.Equal(t, proactive.ReasonDailyCap, run.Reason, "their cap of one")

	late := "23:30-06:00"
	st, err = e.hub.Proactive.SetPreferences.Handle(ctx, proactive.SetPreferences{UserID: e.owner, QuietHours: &late})
	require.NoError(t, err)
	require.Equal(t, 6, st.Effective.DailyCap, "the hub's cap again")
	e.clock.Advance(30 * time.Minute) // 23:31
	require.Equal(t, proactive.ReasonQuietHours, e.fire(t, s).Reason, "their own quiet hours")

	got, err := e.hub.Proactive.Preferences.Handle(ctx, proactive.GetPreferences{UserID: e.owner})
	require.NoError(t, err)
	require.Equal(t, "23:30-06:00", got.Effective.Quiet.String())
	require.Equal(t, "22:30-07:00", got.Hub.Quiet.String())
	require.Nil(t, got.Own.DailyCap)

	seven, bad := 7, "22:00-22:00"
	_, err = e.hub.Proactive.SetPreferences.Handle(ctx, proactive.SetPreferences{UserID: e.owner, QuietHours: &bad, DailyCap: &seven})
	require.Len(t, domain.Violations(err), 2, "above the hub's cap, and a span of nothing: %v", err)
}

// A person whose tokens for the day are spent is not written to: the occurrence is skipped, saying
// why, and the next day's fires again.
func TestAUsedUpTokenQuotaSkipsTheOccurrence(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 6)
	ctx := context.Background()
	one := int64(1)
	_, err := e.hub.Usage.SetQuota.Handle(ctx, usage.SetQuota{UserID: e.owner, Overrides: usage.Limits{Tokens: &one}})
	require.NoError(t, err)
	e.clock.Advance(10 * time.Hour) // 09:00 UTC
	s := e.create(t, proactive.Create{Preset: "thinking_of_you", TimeZone: "UTC"})
	run := e.fire(t, s)
	require.Equal(t, proactive.Fired, run.Outcome, run.Reason)
	e.awaitTurn(t, run.TurnID)
	e.clock.Advance(time.Hour)
	run = e.fire(t, s)
	require.Equal(t, proactive.Skipped, run.Outcome)
	require.Equal(t, usecase.ReasonQuotaExceeded, run.Reason)
	e.clock.Advance(24 * time.Hour)
	require.Equal(t, proactive.Fired, e.fire(t, s).Outcome, "a new day, a new quota")
}
