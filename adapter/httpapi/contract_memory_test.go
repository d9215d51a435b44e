package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// memoryJourney gives a companion memories, searches, edits, pins and deletes them, and wipes
// them all.
func (c *contract) memoryJourney(t *testing.T, tok, companionID string) {
	t.Helper()
	base := "/api/v1/companions/" + companionID
	type mem struct {
		ID               string   `json:"id"`
		Text             string   `json:"text"`
		Category         string   `json:"category"`
		Importance       int      `json:"importance"`
		Pinned           bool     `json:"pinned"`
		SourceMessageIDs []string `json:"source_message_ids"`
	}
	var made []mem
	for _, body := range []map[string]any{
		{"text": "Has a sister named Zelda", "category": "personal_fact", "importance": 8},
		{"text": "Likes green tea", "category": "preference"},
	} {
		status, out, hdr := c.call("POST", base+"/memories", tok, body, true)
		require.Equal(t, 201, status, "%s", out)
		var m mem
		require.NoError(t, json.Unmarshal(out, &m))
		require.Equal(t, "/api/v1/memories/"+m.ID, hdr.Get("Location"))
		require.Empty(t, m.SourceMessageIDs, "added by the person: no source message")
		made = append(made, m)
	}
	require.Equal(t, 5, made[1].Importance, "importance defaults to 5")
	status, out, _ := c.call("POST", base+"/memories", tok, map[string]any{"text": "likes GREEN tea!"}, true)
	require.Equal(t, 409, status, "the same fact twice: %s", out)
	requireReason(t, out, "conflict", "memory_exists")
	status, out, _ = c.call("POST", base+"/memories", tok, map[string]any{"text": "", "importance": 11, "category": "gossip"}, false)
	require.Equal(t, 400, status)
	for _, field := range []string{`"field":"category"`} {
		require.Contains(t, string(out), field)
	}

	var page struct {
		Items []mem `json:"items"`
	}
	status, out, _ = c.call("GET", base+"/memories?q=when+is+Zelda+coming", tok, nil, true)
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal(out, &page))
	require.Len(t, page.Items, 1)
	require.Equal(t, made[0].ID, page.Items[0].ID, "search finds it by its words")
	status, out, _ = c.call("GET", base+"/memories?category=preference", tok, nil, true)
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal(out, &page))
	require.Len(t, page.Items, 1)
	require.Equal(t, made[1].ID, page.Items[0].ID)

	status, out, _ = c.call("PATCH", "/api/v1/memories/"+made[1].ID, tok, map[string]any{"pinned": true, "text": "Loves oolong tea"}, true)
	require.Equal(t, 200, status, "%s", out)
	var edited mem
	require.NoError(t, json.Unmarshal(out, &edited))
	require.True(t, edited.Pinned)
	require.Equal(t, "Loves oolong tea", edited.Text)
	require.Equal(t, "preference", edited.Category, "what the patch leaves out stays")
	status, out, _ = c.call("GET", base+"/memories?pinned=true", tok, nil, true)
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal(out, &page))
	require.Len(t, page.Items, 1)

	status, _, _ = c.call("DELETE", "/api/v1/memories/"+made[0].ID, tok, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("DELETE", "/api/v1/memories/"+made[0].ID, tok, nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("PATCH", "/api/v1/memories/0190a0b0-0000-7000-8000-000000000000", tok, map[string]any{"pinned": false}, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("GET", "/api/v1/companions/0190a0b0-0000-7000-8000-000000000000/memories", tok, nil, true)
	require.Equal(t, 404, status, "another's or no companion")
	// A conversation this short has no summary (test/e2e shows one made).
	status, out, _ = c.call("GET", base+"/summary", tok, nil, true)
	require.Equal(t, 404, status)
	requireReason(t, out, "not_found", "no_summary")

	status, out, _ = c.call("POST", base+"/wipe", tok, nil, true)
	require.Equal(t, 200, status, "%s", out)
	require.JSONEq(t, `{"forgotten":1}`, string(out))
	status, out, _ = c.call("GET", base+"/memories", tok, nil, true)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"items":[]}`, string(out))
}
