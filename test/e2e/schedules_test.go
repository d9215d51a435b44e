package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/webhookfake"
)

// TestScheduleFiresOnceAcrossReplicas: a schedule due every minute, with two `serve` replicas
// sharing one PostgreSQL database and both polling every second: its occurrence is fired once —
// one run logged, one message the companion wrote first in the chat, one signed webhook
// notification (the person asked for them) — whichever replica claims it.
func TestScheduleFiresOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	const secret = "a-webhook-secret-for-tests"
	hook := webhookfake.New(t, secret)
	env := with(postgresProfile.env(t), "COMPANIONHUB_SCHEDULE_POLL_EVERY", "1s", "COMPANIONHUB_PROACTIVE_QUIET_HOURS", "",
		"COMPANIONHUB_NOTIFY_PROVIDER", "webhook", "COMPANIONHUB_NOTIFY_BASE_URL", hook.URL(), "COMPANIONHUB_NOTIFY_API_KEY", secret,
		"COMPANIONHUB_PUBLIC_URL", "https://hub.example")
	a, b := startHub(t, env), startHub(t, env)
	a.secret(secret)
	b.secret(secret)
	c := newChatter(t, a, "")
	res := c.do("PUT", "/api/v1/me/notifications", map[string]bool{"enabled": true})
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	res = c.do("POST", "/api/v1/companions/"+c.companion+"/schedules",
		map[string]any{"instruction": "Tell me what you are doing right now.", "cron": "* * * * *", "timezone": "UTC"})
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	var created struct {
		Schedule struct {
			ID string `json:"id"`
		} `json:"schedule"`
	}
	res.json(t, &created)

	onB := &chatter{client: b.client(t), token: c.token, companion: c.companion}
	onB.bearer = c.token
	type run struct {
		Due     time.Time `json:"due"`
		Outcome string    `json:"outcome"`
		Reason  string    `json:"reason"`
		TurnID  string    `json:"turn_id"`
	}
	var first run
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		res := onB.do("GET", "/api/v1/schedules/"+created.Schedule.ID+"/runs", nil)
		require.Equal(ct, http.StatusOK, res.StatusCode)
		var page struct {
			Items []run `json:"items"`
		}
		res.json(ct, &page)
		require.NotEmpty(ct, page.Items)
		first = page.Items[len(page.Items)-1]
	}, 90*time.Second, 250*time.Millisecond, "the first occurrence (at most a minute away) fires")
	require.Equal(t, "fired", first.Outcome, first.Reason)
	require.Zero(t, first.Due.Second(), "an occurrence is a whole minute")

	// The reply is written; the occurrence's log and the chat hold it once.
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		require.Equal(ct, "completed", c.turn(ct, first.TurnID).Status)
	}, 30*time.Second, 100*time.Millisecond, "the companion's message is written")
	res = c.do("GET", "/api/v1/schedules/"+created.Schedule.ID+"/runs", nil)
	var page struct {
		Items []run `json:"items"`
	}
	res.json(t, &page)
	perDue := map[time.Time]int{}
	for _, r := range page.Items {
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
	require.LessOrEqual(t, len(msgs), len(page.Items), "one message per fired occurrence at most")

	// The person was told, once per fired occurrence, by a signed delivery naming who wrote.
	awaittest.Closed(t, hook.Arrived(1), "the webhook notification")
	got := hook.Deliveries()
	require.NotEmpty(t, got)
	require.True(t, got[0].Signed, "signed with the secret")
	require.NotNil(t, got[0].Event)
	require.Equal(t, first.TurnID, got[0].Event.TurnID)
	require.Equal(t, "https://hub.example/chat/"+c.companion, got[0].Event.URL)
	require.LessOrEqual(t, len(got), len(page.Items))
}
