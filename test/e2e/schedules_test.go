package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	temporalclient "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/webhookfake"
)

const webhookSecret = "a-webhook-secret-for-tests"

// scheduleEnv is env with notifications by a signed webhook to hook, no quiet hours, and a public
// address for the links.
func scheduleEnv(env map[string]string, hook *webhookfake.Server) map[string]string {
	return with(env, "COMPANIONHUB_PROACTIVE_QUIET_HOURS", "off", // whatever the time of day the test runs at
		"COMPANIONHUB_NOTIFY_PROVIDER", "webhook", "COMPANIONHUB_NOTIFY_BASE_URL", hook.URL(), "COMPANIONHUB_NOTIFY_API_KEY", webhookSecret,
		"COMPANIONHUB_PUBLIC_URL", "https://hub.example")
}

// TestScheduleFiresOnceAcrossReplicas: a schedule due every minute, with two `serve` replicas
// sharing one PostgreSQL database and both polling every second: its occurrence is fired once —
// one run logged, one message the companion wrote first in the chat, one signed webhook
// notification (the person asked for them) — whichever replica claims it.
func TestScheduleFiresOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	hook := webhookfake.New(t, webhookSecret)
	env := scheduleEnv(with(postgresProfile.env(t), "COMPANIONHUB_SCHEDULE_POLL_EVERY", "1s"), hook)
	a, b := startHub(t, env), startHub(t, env)
	a.secret(webhookSecret)
	b.secret(webhookSecret)
	c := newChatter(t, a, "")
	notifyMe(t, c)
	id := createSchedule(t, c, true)

	onB := &chatter{client: b.client(t), token: c.token, companion: c.companion}
	onB.bearer = c.token
	requireFiresOnce(t, onB, id, hook)
}

// TestScheduleOnTemporal: on the Temporal profile a schedule is a Temporal schedule, which the
// worker fires. One made while the hub ran its schedules in-process becomes one as the worker
// starts (paused, as it was made); enabling it through the API resumes it in Temporal, and it
// fires once a minute through the worker — the message in the chat, the webhook told; changing
// it changes Temporal's, deleting it deletes Temporal's.
func TestScheduleOnTemporal(t *testing.T) {
	t.Parallel()
	hook := webhookfake.New(t, webhookSecret)
	env := scheduleEnv(temporalEnv(t), hook)

	// In-process first: the schedule is made, paused, by a hub whose turns and schedules are its own.
	inProcess := startHub(t, with(env, "COMPANIONHUB_TURN_RUNNER", "local"))
	first := newChatter(t, inProcess, "")
	notifyMe(t, first)
	id := createSchedule(t, first, false)
	inProcess.stop()

	h := startHub(t, env)
	h.secret(webhookSecret)
	w := startWorker(t, env)
	c := &chatter{client: h.client(t), token: first.token, companion: first.companion}
	c.bearer = first.token

	tc, err := temporalclient.Dial(temporalclient.Options{HostPort: env["COMPANIONHUB_TEMPORAL_ADDRESS"], Namespace: "default",
		Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	ctx := context.Background()
	handle := tc.ScheduleClient().GetHandle(ctx, "schedule-"+id)
	describe := func(t require.TestingT) *temporalclient.ScheduleDescription {
		d, err := handle.Describe(ctx)
		require.NoError(t, err)
		return d
	}
	d := describe(t) // the worker resynced before it said it runs
	require.True(t, d.Schedule.State.Paused, "made paused, kept paused")
	requireNextActions(t, d, time.UTC, func(at time.Time) bool { return at.Second() == 0 }, "every minute")

	res := c.do("PATCH", "/api/v1/schedules/"+id, map[string]any{"enabled": true})
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	require.False(t, describe(t).Schedule.State.Paused, "enabled through the API: resumed in Temporal")
	requireFiresOnce(t, c, id, hook)

	res = c.do("PATCH", "/api/v1/schedules/"+id, map[string]any{"cron": "30 8 * * 1-5", "timezone": "Europe/Berlin"})
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	requireNextActions(t, describe(t), berlin, func(at time.Time) bool {
		return at.Hour() == 8 && at.Minute() == 30 && at.Second() == 0 && at.Weekday() != time.Saturday && at.Weekday() != time.Sunday
	}, "changed through the API: 08:30 on weekdays in Berlin, in Temporal")

	res = c.do("DELETE", "/api/v1/schedules/"+id, nil)
	require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", res.body)
	_, err = handle.Describe(ctx)
	var notFound *serviceerror.NotFound
	require.True(t, errors.As(err, &notFound), "deleted through the API: deleted in Temporal (%v)", err)
	require.NotContains(t, w.logs.String(), `"level":"error"`)
}

// requireNextActions checks the Temporal schedule's coming occurrences, read in loc.
func requireNextActions(t *testing.T, d *temporalclient.ScheduleDescription, loc *time.Location, ok func(time.Time) bool, what string) {
	t.Helper()
	require.NotEmpty(t, d.Info.NextActionTimes, what)
	for _, at := range d.Info.NextActionTimes {
		require.True(t, ok(at.In(loc)), "%s: %s", what, at.In(loc))
	}
}

// notifyMe turns the chatter's notifications on.
func notifyMe(t *testing.T, c *chatter) {
	t.Helper()
	res := c.do("PUT", "/api/v1/me/notifications", map[string]bool{"enabled": true})
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
}

// createSchedule makes a schedule of the chatter's companion due every minute (UTC), enabled or
// paused, and returns its id.
func createSchedule(t *testing.T, c *chatter, enabled bool) string {
	t.Helper()
	res := c.do("POST", "/api/v1/companions/"+c.companion+"/schedules",
		map[string]any{"instruction": "Tell me what you are doing right now.", "cron": "* * * * *", "timezone": "UTC", "enabled": enabled})
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	var created struct {
		Schedule struct {
			ID string `json:"id"`
		} `json:"schedule"`
	}
	res.json(t, &created)
	return created.Schedule.ID
}

type scheduleRun struct {
	Due     time.Time `json:"due"`
	Outcome string    `json:"outcome"`
	Reason  string    `json:"reason"`
	TurnID  string    `json:"turn_id"`
}

func scheduleRuns(t require.TestingT, c *chatter, id string) []scheduleRun {
	res := c.do("GET", "/api/v1/schedules/"+id+"/runs", nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	var page struct {
		Items []scheduleRun `json:"items"`
	}
	res.json(t, &page)
	return page.Items
}

// requireFiresOnce waits for the schedule's first occurrence (at most a minute away) and checks
// it fired once: one run logged per occurrence, the companion's message written first in the
// chat (the instruction not shown), and a signed webhook notification naming the turn.
func requireFiresOnce(t *testing.T, c *chatter, id string, hook *webhookfake.Server) {
	t.Helper()
	var first scheduleRun
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		runs := scheduleRuns(ct, c, id)
		require.NotEmpty(ct, runs)
		first = runs[len(runs)-1]
	}, 90*time.Second, 250*time.Millisecond, "the first occurrence (at most a minute away) fires")
	require.Equal(t, "fired", first.Outcome, first.Reason)
	require.Zero(t, first.Due.Second(), "an occurrence is a whole minute")

	// The reply is written; the occurrence's log and the chat hold it once.
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		require.Equal(ct, "completed", c.turn(ct, first.TurnID).Status)
	}, 30*time.Second, 100*time.Millisecond, "the companion's message is written")
	runs := scheduleRuns(t, c, id)
	perDue := map[time.Time]int{}
	for _, r := range runs {
		perDue[r.Due]++
	}
	for due, n := range perDue {
		require.Equal(t, 1, n, "occurrence %s logged once", due)
	}
	msgs := c.history(t)
	require.Equal(t, "assistant", msgs[len(msgs)-1].Role, "the companion wrote first; the instruction is not shown")
	for _, m := range msgs {
		require.Equal(t, "assistant", m.Role)
	}
	require.LessOrEqual(t, len(msgs), len(runs), "one message per fired occurrence at most")

	// The person was told, once per fired occurrence, by a signed delivery naming who wrote.
	awaittest.Closed(t, hook.Arrived(1), "the webhook notification")
	got := hook.Deliveries()
	require.NotEmpty(t, got)
	require.True(t, got[0].Signed, "signed with the secret")
	require.NotNil(t, got[0].Event)
	require.Equal(t, first.TurnID, got[0].Event.TurnID)
	require.Equal(t, "https://hub.example/chat/"+c.companion, got[0].Event.URL)
	require.LessOrEqual(t, len(got), len(runs))
}
