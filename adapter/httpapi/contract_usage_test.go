package httpapi_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/usage"
)

// usageJourney: a reply's tokens show in its person's usage, by day and kind, with their quotas;
// a quota an operator set refuses the next message with quota_exceeded until the day ends.
func (c *contract) usageJourney(t *testing.T) {
	t.Helper()
	session := c.companionOwner(t, "spender")
	id := c.newCompanion(t, session, `{"name":"Mira","age":28}`)
	chat := map[string]any{"model": id, "messages": []map[string]string{{"role": "user", "content": "Tell me about the sea."}}}
	status, body, _ := c.call("POST", "/v1/chat/completions", session, chat, true)
	require.Equal(t, 200, status, "%s", body)

	type report struct {
		From, To string
		Days     []struct {
			Day, Kind, Provider string
			Amount              int64
		}
		Totals []struct {
			Kind   string
			Amount int64
		}
		Quotas []struct {
			Quota    string
			Limit    int64
			Used     int64
			Exceeded bool
			ResetsAt time.Time `json:"resets_at"`
		}
	}
	read := func() report {
		t.Helper()
		status, body, _ := c.call("GET", "/api/v1/me/usage", session, nil, true)
		require.Equal(t, 200, status, "%s", body)
		var r report
		require.NoError(t, json.Unmarshal(body, &r))
		return r
	}
	r := read()
	today := time.Now().UTC().Format(time.DateOnly)
	require.Equal(t, today, r.To)
	totals := map[string]int64{}
	for _, tot := range r.Totals {
		totals[tot.Kind] = tot.Amount
	}
	require.Positive(t, totals["prompt_tokens"], "%+v", r)
	require.Positive(t, totals["completion_tokens"], "%+v", r)
	require.NotEmpty(t, r.Days)
	require.Equal(t, today, r.Days[0].Day)
	require.Equal(t, "custom", r.Days[0].Provider, "the hub's model came as an option")
	require.Len(t, r.Quotas, 3)
	require.Zero(t, r.Quotas[0].Limit, "no quota by default")
	require.Equal(t, totals["prompt_tokens"]+totals["completion_tokens"], r.Quotas[0].Used)

	status, body, _ = c.call("GET", "/api/v1/me/usage?from=yesterday", session, nil, false)
	require.Equal(t, 400, status, "%s", body)
	_, _, fields := errorOf(t, body)
	require.Equal(t, map[string]string{"from": "invalid"}, fields)
	status, body, _ = c.call("GET", "/api/v1/me/usage?from=2026-02-01&to=2026-01-01", session, nil, true)
	require.Equal(t, 400, status, "%s", body)
	status, _, _ = c.call("GET", "/api/v1/me/usage", "", nil, true)
	require.Equal(t, 401, status)

	// An operator gives this person a day's allowance they already spent.
	status, body, _ = c.call("GET", "/api/v1/me", session, nil, true)
	require.Equal(t, 200, status)
	var me struct{ User struct{ ID string } }
	require.NoError(t, json.Unmarshal(body, &me))
	userID, err := domain.ParseID(me.User.ID)
	require.NoError(t, err)
	one := int64(1)
	_, err = c.hub.Usage.SetQuota.Handle(context.Background(), usage.SetQuota{UserID: userID, Overrides: usage.Limits{Tokens: &one}})
	require.NoError(t, err)
	status, body, hdr := c.call("POST", "/api/v1/companions/"+id+"/messages", session, map[string]any{"text": "And the stars?"}, true)
	require.Equal(t, 429, status, "%s", body)
	requireReason(t, body, "rate_limited", "quota_exceeded")
	wait, err := strconv.Atoi(hdr.Get("Retry-After"))
	require.NoError(t, err)
	require.Positive(t, wait)
	require.LessOrEqual(t, wait, 24*60*60, "at the latest when the UTC day ends")
	status, body, _ = c.call("POST", "/v1/chat/completions", session, chat, true)
	require.Equal(t, 429, status, "the OpenAI-compatible endpoint too: %s", body)

	// A picture quota refuses the standalone generator too, once used up.
	_, err = c.hub.Usage.SetQuota.Handle(context.Background(), usage.SetQuota{UserID: userID,
		Overrides: usage.Limits{Tokens: &one, Pictures: &one}})
	require.NoError(t, err)
	picture := map[string]any{"prompt": "a lighthouse at dusk", "width": 512, "height": 512}
	status, body, _ = c.call("POST", "/api/v1/images", session, picture, true)
	require.Equal(t, 201, status, "%s", body)
	status, body, _ = c.call("POST", "/api/v1/images", session, picture, true)
	require.Equal(t, 429, status, "%s", body)
	requireReason(t, body, "rate_limited", "quota_exceeded")

	r = read()
	require.Equal(t, int64(1), r.Quotas[0].Limit)
	require.True(t, r.Quotas[0].Exceeded)
	require.Equal(t, today, r.Quotas[0].ResetsAt.Add(-time.Nanosecond).Format(time.DateOnly), "it resets at midnight")
}
