package temporalwf_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap/zaptest"

	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/schedulertest"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// startScheduleWorker runs a worker made as the hub makes it (NewWorker, then RegisterSchedules)
// with h as the schedules' Handler, on a queue of t's own, until t ends.
func startScheduleWorker(t *testing.T, h schedule.Handler) (client.Client, temporalwf.Config) {
	t.Helper()
	cfg := temporalwf.DefaultConfig()
	cfg.Address = containers.NewTemporal(t)
	cfg.TaskQueue = newQueue(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := temporalwf.Dial(ctx, cfg, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	w := temporalwf.NewWorker(c, cfg, nil, temporalwf.WorkerOptions{StopTimeout: time.Second})
	temporalwf.RegisterSchedules(w, h)
	require.NoError(t, w.Start())
	t.Cleanup(func() {
		w.Stop()
		c.Close()
	})
	return c, cfg
}

// tracked is a Scheduler that deletes the schedules it put when the test ends: the dev server is
// shared, and a forgotten schedule would fire on the wall clock into a queue nobody serves.
type tracked struct {
	*temporalwf.Scheduler
	mu  sync.Mutex
	ids []domain.ID
}

func track(t *testing.T, s *temporalwf.Scheduler) *tracked {
	tr := &tracked{Scheduler: s}
	t.Cleanup(func() {
		tr.mu.Lock()
		defer tr.mu.Unlock()
		for _, id := range tr.ids {
			assert.NoError(t, s.Delete(context.Background(), id))
		}
	})
	return tr
}

func (tr *tracked) Put(ctx context.Context, sp schedule.Spec) error {
	tr.mu.Lock()
	tr.ids = append(tr.ids, sp.ID)
	tr.mu.Unlock()
	return tr.Scheduler.Put(ctx, sp)
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// fire backfills the instant at on the schedule of id, if it exists and is not paused (a paused
// schedule lets its time pass), and returns once the firing it started has finished. The
// backfill starts the action only where Temporal's own reading of the cron and zone has an
// occurrence, so a firing proves the spec was translated right.
func fire(t *testing.T, c client.Client, id domain.ID, at time.Time) {
	t.Helper()
	ctx := t.Context()
	h := c.ScheduleClient().GetHandle(ctx, temporalwf.ScheduleID(id))
	d, err := h.Describe(ctx)
	if isNotFound(err) {
		return
	}
	require.NoError(t, err)
	if d.Schedule.State != nil && d.Schedule.State.Paused {
		return
	}
	require.NoError(t, h.Backfill(ctx, client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{{
		Start: at.Add(-time.Second), End: at.Add(time.Second), Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL}}}))
	// The condition runs on goroutines of Eventually's: it hands a failed Describe to the test's
	// goroutine instead of failing t there.
	var workflowID string
	var describeErr error
	require.Eventually(t, func() bool {
		d, err := h.Describe(ctx)
		if err != nil {
			describeErr = err
			return true
		}
		for _, a := range d.Info.RecentActions {
			if a.ScheduleTime.Equal(at) && a.StartWorkflowResult != nil {
				workflowID = a.StartWorkflowResult.WorkflowID
				return true
			}
		}
		return false
	}, 20*time.Second, 20*time.Millisecond, "the backfill of %s started no firing", at)
	require.NoError(t, describeErr)
	ended, cancel := context.WithTimeout(ctx, awaittest.Patience)
	defer cancel()
	// A failed Handler fails the firing, which the suite checks; only a firing that never ends is
	// this helper's to report.
	_ = c.GetWorkflow(ended, workflowID, "").Get(ended, nil)
	require.NoError(t, ended.Err(), "the firing of %s did not end within %s", at, awaittest.Patience)
}

func TestSchedulerConformance(t *testing.T) {
	schedulertest.Run(t, schedulertest.Harness{New: func(t *testing.T, h schedule.Handler) schedulertest.Env {
		var mu sync.Mutex
		brought := map[time.Time]bool{}
		// Only the occurrences the harness brought count: a schedule whose wall-clock time comes
		// during the test fires for real, and that firing is not the suite's business.
		c, cfg := startScheduleWorker(t, func(ctx context.Context, f schedule.Firing) error {
			mu.Lock()
			ours := brought[f.Due.UTC()]
			mu.Unlock()
			if !ours {
				return nil
			}
			return h(ctx, f)
		})
		// Backfills bring past occurrences, from a month ago on.
		cursor := time.Now().UTC().Add(-30 * 24 * time.Hour).Truncate(time.Hour)
		return schedulertest.Env{Scheduler: track(t, temporalwf.NewScheduler(c, cfg)), Fire: func(t *testing.T, sp schedule.Spec) time.Time {
			mu.Lock()
			at, err := schedule.Next(sp, cursor)
			if err == nil {
				cursor = at
				brought[at] = true
			}
			mu.Unlock()
			require.NoError(t, err)
			fire(t, c, sp.ID, at)
			return at
		}}
	}})
}

// Temporal's next action times are schedule.Next's, across zones and both day fields; disabling
// pauses the schedule and enabling resumes it.
func TestSchedulerTemporalSpec(t *testing.T) {
	t.Parallel()
	c, cfg := startScheduleWorker(t, func(context.Context, schedule.Firing) error { return nil })
	s := track(t, temporalwf.NewScheduler(c, cfg))
	ctx := t.Context()
	now := time.Now()
	sp := schedule.Spec{ID: domain.NewID(now), OwnerID: domain.NewID(now), CompanionID: domain.NewID(now),
		Cron: "30 6 13 * FRI", TimeZone: "America/New_York", Instruction: "Hello.", Enabled: true}
	h := c.ScheduleClient().GetHandle(ctx, temporalwf.ScheduleID(sp.ID))
	describe := func() *client.ScheduleDescription {
		d, err := h.Describe(ctx)
		require.NoError(t, err)
		return d
	}
	requireNext := func(sp schedule.Spec) {
		t.Helper()
		d := describe()
		require.NotEmpty(t, d.Info.NextActionTimes)
		from := time.Now().Add(-time.Minute)
		if d.Info.NextActionTimes[0].Before(from) {
			from = d.Info.NextActionTimes[0].Add(-time.Second)
		}
		for _, got := range d.Info.NextActionTimes {
			want, err := schedule.Next(sp, from)
			require.NoError(t, err)
			assert.True(t, want.Equal(got), "Temporal %s, schedule.Next %s", got, want)
			from = want
		}
	}

	require.NoError(t, s.Put(ctx, sp))
	requireNext(sp)
	assert.False(t, describe().Schedule.State.Paused)

	sp.Enabled = false
	require.NoError(t, s.Put(ctx, sp))
	assert.True(t, describe().Schedule.State.Paused, "a disabled schedule is paused")

	sp.Enabled, sp.Cron, sp.TimeZone = true, "0 22 * * 0,6", "Asia/Kolkata"
	require.NoError(t, s.Put(ctx, sp))
	assert.False(t, describe().Schedule.State.Paused, "enabled again")
	requireNext(sp)
	assert.Equal(t, enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, describe().Schedule.Policy.Overlap)
}
