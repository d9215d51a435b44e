package httpapi_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// schedulesJourney: presets, a schedule made from one and one of the person's own, changed,
// paused, fired (by the scheduler's handler) with its run logged, and deleted.
func (c *contract) schedulesJourney(t *testing.T) {
	t.Helper()
	tok := c.companionOwner(t, "scheduler")
	id := c.newCompanion(t, tok, `{"name":"Mira","age":28}`)
	status, body, _ := c.call("GET", "/api/v1/schedule-presets", tok, nil, true)
	require.Equal(t, 200, status)
	require.Contains(t, string(body), `"morning_greeting"`)

	list := "/api/v1/companions/" + id + "/schedules"
	status, body, hdr := c.call("POST", list, tok, map[string]any{"preset": "morning_greeting", "timezone": "Europe/Berlin"}, true)
	require.Equal(t, 201, status, "%s", body)
	var created struct {
		Schedule struct {
			ID       string      `json:"id"`
			Cron     string      `json:"cron"`
			NextRuns []time.Time `json:"next_runs"`
		} `json:"schedule"`
	}
	require.NoError(t, json.Unmarshal(body, &created))
	require.Equal(t, "/api/v1/schedules/"+created.Schedule.ID, hdr.Get("Location"))
	require.Equal(t, "0 8 * * *", created.Schedule.Cron, "the preset's cron")
	require.Len(t, created.Schedule.NextRuns, 3)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	require.Equal(t, 8, created.Schedule.NextRuns[0].In(berlin).Hour(), "08:00 in Berlin")

	status, body, _ = c.call("POST", list, tok, map[string]any{"instruction": "Ask how the exam went.", "cron": "61 * * * *", "timezone": "Mars/Base"}, true)
	require.Equal(t, 400, status)
	_, _, fields := errorOf(t, body)
	require.Contains(t, fields, "cron")
	require.Contains(t, fields, "timezone")
	status, _, _ = c.call("POST", list, tok, map[string]any{"cron": "0 9 * * *"}, true)
	require.Equal(t, 400, status, "a preset or an instruction")
	status, body, _ = c.call("POST", list, tok, map[string]any{"instruction": "Ask how the exam went.", "cron": "30 18 * * 1-5", "timezone": "UTC"}, true)
	require.Equal(t, 201, status, "%s", body)
	status, body, _ = c.call("GET", list, tok, nil, true)
	require.Equal(t, 200, status)
	var listed struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &listed))
	require.Len(t, listed.Items, 2)
	status, _, _ = c.call("GET", list, c.companionOwner(t, "outsider"), nil, true)
	require.Equal(t, 404, status)

	one := "/api/v1/schedules/" + created.Schedule.ID
	status, body, _ = c.call("PATCH", one, tok, map[string]any{"instruction": "Mention the sunrise.", "enabled": false}, true)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), `"enabled":false`)
	require.Contains(t, string(body), `"next_runs":[]`, "paused: no next runs")
	require.Contains(t, string(body), "Send a warm, loving good-morning greeting. Mention the sunrise.")
	status, _, _ = c.call("PATCH", one, tok, map[string]any{"enabled": true}, true)
	require.Equal(t, 200, status)

	// An occurrence: the companion writes first, and the run is logged once.
	sid, err := domain.ParseID(created.Schedule.ID)
	require.NoError(t, err)
	due := time.Now().UTC().Truncate(time.Minute)
	run, err := c.hub.Proactive.Fire.Handle(context.Background(), schedule.Firing{ScheduleID: sid, Due: due})
	require.NoError(t, err)
	// Fired, unless the test runs in the hub's quiet hours (22:30–07:00 in the schedule's zone).
	if run.Outcome != proactive.Fired {
		require.Equal(t, proactive.Skipped, run.Outcome)
		require.Equal(t, proactive.ReasonQuietHours, run.Reason)
	}
	_, err = c.hub.Proactive.Fire.Handle(context.Background(), schedule.Firing{ScheduleID: sid, Due: due})
	require.NoError(t, err, "a retried firing of the same occurrence")
	status, body, _ = c.call("GET", one+"/runs?limit=5", tok, nil, true)
	require.Equal(t, 200, status, "%s", body)
	var runs struct {
		Items []struct {
			Outcome string `json:"outcome"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &runs))
	require.Len(t, runs.Items, 1, "logged once")

	// Notifications: this hub has no notifier, so they cannot be turned on.
	status, body, _ = c.call("GET", "/api/v1/me/notifications", tok, nil, true)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"enabled":false,"available":false}`, string(body))
	status, body, _ = c.call("PUT", "/api/v1/me/notifications", tok, map[string]bool{"enabled": true}, true)
	require.Equal(t, 400, status, "%s", body)
	requireReason(t, body, "invalid", "not_configured")
	status, _, _ = c.call("PUT", "/api/v1/me/notifications", tok, map[string]bool{"enabled": false}, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("PUT", "/api/v1/me/notifications", tok, map[string]any{}, false)
	require.Equal(t, 400, status)

	// Preferences: the hub's until chosen; a choice is the person's, whole, within the hub's cap.
	status, body, _ = c.call("GET", "/api/v1/me/schedule-preferences", tok, nil, true)
	require.Equal(t, 200, status, "%s", body)
	require.JSONEq(t, `{"quiet_hours":"22:30-07:00","daily_cap":6,"own":{"quiet_hours":null,"daily_cap":null},
		"hub":{"quiet_hours":"22:30-07:00","daily_cap":6}}`, string(body))
	status, body, _ = c.call("PUT", "/api/v1/me/schedule-preferences", tok, map[string]any{"quiet_hours": "23:00-06:30", "daily_cap": 2}, true)
	require.Equal(t, 200, status, "%s", body)
	require.JSONEq(t, `{"quiet_hours":"23:00-06:30","daily_cap":2,"own":{"quiet_hours":"23:00-06:30","daily_cap":2},
		"hub":{"quiet_hours":"22:30-07:00","daily_cap":6}}`, string(body))
	status, body, _ = c.call("PUT", "/api/v1/me/schedule-preferences", tok, map[string]any{"quiet_hours": ""}, true)
	require.Equal(t, 200, status, "%s", body)
	require.JSONEq(t, `{"quiet_hours":"","daily_cap":6,"own":{"quiet_hours":"","daily_cap":null},
		"hub":{"quiet_hours":"22:30-07:00","daily_cap":6}}`, string(body), "never quiet; the hub's cap again")
	status, body, _ = c.call("PUT", "/api/v1/me/schedule-preferences", tok, map[string]any{"quiet_hours": "late", "daily_cap": 7}, false)
	require.Equal(t, 400, status, "%s", body)
	code, _, fields := errorOf(t, body)
	require.Equal(t, "invalid", code)
	require.Equal(t, map[string]string{"quiet_hours": "invalid", "daily_cap": "out_of_range"}, fields, "every field at once")
	status, body, _ = c.call("GET", "/api/v1/me/schedule-preferences", tok, nil, true)
	require.Equal(t, 200, status)
	require.Contains(t, string(body), `"own":{"quiet_hours":"","daily_cap":null}`, "a refused change changes nothing")

	status, _, _ = c.call("DELETE", one, tok, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("DELETE", one, tok, nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("GET", one+"/runs", tok, nil, true)
	require.Equal(t, 404, status)
}
