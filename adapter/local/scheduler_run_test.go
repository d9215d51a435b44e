package local_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	"github.com/companionhub/companionhub/usecase/schedule"
)

func dailySpec(cron string) schedule.Spec {
	now := time.Now()
	return schedule.Spec{ID: domain.NewID(now), OwnerID: domain.NewID(now), CompanionID: domain.NewID(now),
		Cron: cron, TimeZone: "UTC", Instruction: "Good morning.", Enabled: true}
}

// Three days without a running replica: Run's first poll fires the schedule once, for the
// oldest missed occurrence, and the next firing is the next occurrence to come.
func TestSchedulerMissedOccurrencesFireOnceAtStart(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(epoch) // 00:00
	store := sqlstore.NewScheduleStore(sqlitetest.Open(t))
	var log firingLog
	h, handled := done(log.handle)
	newScheduler := func() *local.Scheduler {
		return local.NewScheduler(local.SchedulerConfig{}, local.SchedulerDeps{Store: store, Handler: h, Clock: clock,
			Log: zaptest.NewLogger(t), NewTicker: func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }})
	}
	sp := dailySpec("0 8 * * *")
	require.NoError(t, newScheduler().Put(t.Context(), sp))
	clock.Advance(3*24*time.Hour + 12*time.Hour) // day 4, 12:00: four 08:00s went by

	s := newScheduler()
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan error, 1)
	go func() { stopped <- s.Run(ctx) }()
	await(t, handled, 1)
	cancel()
	require.NoError(t, awaittest.Recv(t, stopped, "Run's return"))

	n, err := s.Poll(t.Context())
	require.NoError(t, err)
	assert.Zero(t, n, "the missed occurrences fired once between them")
	clock.Advance(20 * time.Hour) // day 5, 08:00
	n, err = s.Poll(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	await(t, handled, 1)

	log.mu.Lock()
	defer log.mu.Unlock()
	require.Len(t, log.all, 2)
	assert.Equal(t, epoch.Add(8*time.Hour), log.all[0].Due, "the late firing carries the oldest missed occurrence")
	assert.Equal(t, epoch.Add(4*24*time.Hour+8*time.Hour), log.all[1].Due, "then the schedule keeps its times")
}

// pollUntil polls until want firings have started in all, and returns how many did. A Handler's
// worker is free a moment after the Handler returns, so the polls right after may start fewer.
func pollUntil(t *testing.T, s *local.Scheduler, want int) int {
	t.Helper()
	// The condition runs on goroutines of Eventually's: it reports a failed poll to the test's
	// instead of failing t there.
	started := 0
	var pollErr error
	require.Eventually(t, func() bool {
		n, err := s.Poll(t.Context())
		if err != nil {
			pollErr = err
			return true
		}
		started += n
		return started >= want
	}, 10*time.Second, time.Millisecond)
	require.NoError(t, pollErr)
	return started
}

// A scheduler claims no more firings than it has free workers for: the rest stay due, for
// another replica or its next poll.
func TestSchedulerClaimsOnlyWhatItCanRun(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(epoch)
	release := make(chan struct{})
	var mu sync.Mutex
	fired := map[domain.ID]int{}
	h, handled := done(func(ctx context.Context, f schedule.Firing) error {
		mu.Lock()
		fired[f.ScheduleID]++
		mu.Unlock()
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})
	s := local.NewScheduler(local.SchedulerConfig{Workers: 2}, local.SchedulerDeps{
		Store: sqlstore.NewScheduleStore(sqlitetest.Open(t)), Handler: h, Clock: clock, Log: zaptest.NewLogger(t)})
	ctx := t.Context()
	for range 5 {
		require.NoError(t, s.Put(ctx, dailySpec("0 8 * * *")))
	}
	clock.Advance(8 * time.Hour)
	poll := func() int {
		n, err := s.Poll(ctx)
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, 2, poll())
	assert.Zero(t, poll(), "both workers busy: nothing claimed")
	close(release)
	assert.Equal(t, 3, pollUntil(t, s, 3), "the rest once the workers are free")
	await(t, handled, 5)
	assert.Zero(t, poll())
	mu.Lock()
	defer mu.Unlock()
	assert.Len(t, fired, 5)
	for id, n := range fired {
		assert.Equal(t, 1, n, "schedule %s", id)
	}
}

// A handler that panics is logged and frees its worker; a handler's context ends at FireTimeout.
func TestSchedulerHandlerPanicsAndTimeouts(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(epoch)
	deadlines := make(chan time.Duration, 1)
	h, handled := done(func(ctx context.Context, f schedule.Firing) error {
		if f.Instruction == "panic" {
			panic("boom")
		}
		d, _ := ctx.Deadline()
		deadlines <- time.Until(d)
		<-ctx.Done()
		return ctx.Err()
	})
	s := local.NewScheduler(local.SchedulerConfig{Workers: 1, FireTimeout: 50 * time.Millisecond}, local.SchedulerDeps{
		Store: sqlstore.NewScheduleStore(sqlitetest.Open(t)), Handler: h, Clock: clock, Log: zaptest.NewLogger(t)})
	ctx := t.Context()
	boom := dailySpec("0 8 * * *")
	boom.Instruction = "panic"
	require.NoError(t, s.Put(ctx, boom))
	require.NoError(t, s.Put(ctx, dailySpec("0 9 * * *")))
	clock.Advance(8 * time.Hour)
	n, err := s.Poll(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	await(t, handled, 1)
	clock.Advance(time.Hour)
	require.Equal(t, 1, pollUntil(t, s, 1), "the panicking firing gave its worker back")
	assert.LessOrEqual(t, awaittest.Recv(t, deadlines, "the second firing's deadline"), 50*time.Millisecond)
	await(t, handled, 1) // returns only because the context ended
}

func TestSchedulerConfigValidate(t *testing.T) {
	t.Parallel()
	assert.NoError(t, local.SchedulerConfig{}.Validate(), "zero fields take defaults")
	assert.NoError(t, local.DefaultSchedulerConfig().Validate())
	for _, c := range []local.SchedulerConfig{{PollEvery: -1}, {Workers: -1}, {FireTimeout: -1}} {
		assert.Error(t, c.Validate(), "%+v", c)
	}
	assert.Equal(t, 15*time.Second, local.DefaultSchedulerConfig().PollEvery)
}
