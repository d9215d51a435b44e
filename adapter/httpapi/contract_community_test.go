package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// communityJourney: one person publishes, another finds, views, rates, clones and reports; a
// visitor without an account browses; nothing private is in any community answer.
func (c *contract) communityJourney(t *testing.T) {
	t.Helper()
	author, reader := c.companionOwner(t, "author"), c.companionOwner(t, "reader")
	id := c.newCompanion(t, author, `{"name":"Seraphina","age":300,"content_rating":"general",
		"user_appearance":"PRIVATE-APPEARANCE","appearance":{"style":"anime"},
		"persona":{"archetype":"Guardian","occupation":"Forest warden","description":"Keeper of the glade",
		"interests":["Herbs","Old songs"],"custom_instruction":"PRIVATE-INSTRUCTION"}}`)
	mature := c.newCompanion(t, author, `{"name":"Noir","age":30,"content_rating":"mature"}`)
	publish := "/api/v1/companions/" + id + "/publish"

	// Publishing needs the author's adult confirmation.
	status, body, _ := c.call("POST", publish, author, nil, true)
	require.Equal(t, 403, status, "%s", body)
	requireReason(t, body, "forbidden", "adult_confirmation_required")
	status, body, _ = c.call("GET", "/api/v1/me/adult-confirmation", author, nil, true)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"adult":false}`, string(body))
	status, _, _ = c.call("PUT", "/api/v1/me/adult-confirmation", author, map[string]any{}, false)
	require.Equal(t, 400, status)
	status, body, _ = c.call("PUT", "/api/v1/me/adult-confirmation", author, map[string]bool{"adult": true}, true)
	require.Equal(t, 200, status, "%s", body)
	status, _, _ = c.call("GET", "/api/v1/companions/"+id+"/publication", author, nil, true)
	require.Equal(t, 404, status, "private until published")
	status, body, _ = c.call("POST", publish, author, map[string]bool{"allow_card_export": true}, true)
	require.Equal(t, 200, status, "%s", body)
	status, _, _ = c.call("POST", "/api/v1/companions/"+mature+"/publish", author, nil, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("POST", publish, reader, nil, true)
	require.Equal(t, 404, status, "only the owner publishes")
	status, body, _ = c.call("GET", "/api/v1/companions/"+id+"/publication", author, nil, true)
	require.Equal(t, 200, status)
	require.Contains(t, string(body), `"allow_card_export":true`)

	// Anyone finds it — the visitor without an account too — but not the mature one unless adult.
	for _, q := range []string{"?q=sera", "?interest=herbs", "?style=anime&archetype=guardian", "?occupation=FOREST%20WARDEN&sort=popular", "?sort=top_rated&limit=5"} {
		for _, tok := range []string{"", reader} {
			status, body, _ = c.call("GET", "/api/v1/community/companions"+q, tok, nil, true)
			require.Equal(t, 200, status, "%s %s", q, body)
			require.Contains(t, string(body), id, q)
			require.NotContains(t, string(body), mature, "%s: a mature companion is for confirmed adults", q)
		}
	}
	status, body, _ = c.call("GET", "/api/v1/community/companions?q=nothing-like-it", "", nil, true)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"items":[]}`, string(body))
	status, _, _ = c.call("GET", "/api/v1/community/companions?sort=best", "", nil, false)
	require.Equal(t, 400, status)
	status, _, _ = c.call("GET", "/api/v1/community/companions?cursor=bogus", "", nil, true)
	require.Equal(t, 400, status)
	status, body, _ = c.call("GET", "/api/v1/community/companions?content_rating=mature", author, nil, true)
	require.Equal(t, 200, status)
	require.Contains(t, string(body), mature, "a confirmed adult sees it")

	// The page counts a view; nothing private is in it, field by field.
	detail := "/api/v1/community/companions/" + id
	status, body, _ = c.call("GET", detail, "", nil, true)
	require.Equal(t, 200, status, "%s", body)
	for _, private := range []string{"PRIVATE-APPEARANCE", "PRIVATE-INSTRUCTION", "owner_id", "author@example.com", `"scene":`, `"relationship":`, `"settings":`} {
		require.NotContains(t, string(body), private)
	}
	var seen struct {
		Companion struct {
			Views   int `json:"views"`
			Creator struct {
				DisplayName string `json:"display_name"`
			} `json:"creator"`
		} `json:"companion"`
		MyRating *int `json:"my_rating"`
	}
	require.NoError(t, json.Unmarshal(body, &seen))
	require.Equal(t, 1, seen.Companion.Views)
	require.Equal(t, "Owner", seen.Companion.Creator.DisplayName)
	require.Nil(t, seen.MyRating)
	status, _, _ = c.call("GET", "/api/v1/community/companions/"+mature, "", nil, true)
	require.Equal(t, 404, status, "hidden by the content gate, as if it were not published")
	status, _, _ = c.call("GET", "/api/v1/community/companions/not-an-id", "", nil, true)
	require.Equal(t, 404, status)

	// Rating: one per person, changeable; not one's own; an account needed.
	rating := detail + "/rating"
	status, _, _ = c.call("PUT", rating, "", map[string]int{"rating": 5}, true)
	require.Equal(t, 401, status)
	status, body, _ = c.call("PUT", rating, author, map[string]int{"rating": 5}, true)
	require.Equal(t, 403, status)
	requireReason(t, body, "forbidden", "own_companion")
	status, _, _ = c.call("PUT", rating, reader, map[string]int{"rating": 6}, false)
	require.Equal(t, 400, status)
	status, _, _ = c.call("PUT", rating, reader, map[string]int{"rating": 2}, true)
	require.Equal(t, 200, status)
	status, body, _ = c.call("PUT", rating, reader, map[string]int{"rating": 4}, true)
	require.Equal(t, 200, status)
	require.JSONEq(t, `{"rating_average":4,"rating_count":1,"my_rating":4}`, string(body))
	_, body, _ = c.call("GET", detail, reader, nil, true)
	require.Contains(t, string(body), `"my_rating":4`)

	// Clone: a private copy of the reader's own, without the author's private parts.
	status, body, hdr := c.call("POST", detail+"/clone", reader, nil, true)
	require.Equal(t, 201, status, "%s", body)
	require.True(t, strings.HasPrefix(hdr.Get("Location"), "/api/v1/companions/"))
	require.Contains(t, string(body), `"visibility":"private"`)
	require.NotContains(t, string(body), "PRIVATE-")
	status, _, _ = c.call("POST", detail+"/clone", "", nil, true)
	require.Equal(t, 401, status)

	// Card export, as the author allowed; reports.
	status, _, _ = c.call("GET", detail+"/export?format=json", reader, nil, true)
	require.Equal(t, 200, status)
	status, body, _ = c.call("POST", detail+"/reports", reader, map[string]string{"reason": "spam", "details": "copies of copies"}, true)
	require.Equal(t, 204, status, "%s", body)
	status, _, _ = c.call("POST", detail+"/reports", reader, map[string]string{"reason": "boring"}, false)
	require.Equal(t, 400, status)

	// Unpublished, it is gone from the community; the author allows no export when republished.
	status, _, _ = c.call("POST", "/api/v1/companions/"+id+"/unpublish", author, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("GET", detail, reader, nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("POST", publish, author, map[string]bool{"allow_card_export": false}, true)
	require.Equal(t, 200, status)
	status, body, _ = c.call("GET", detail+"/export", reader, nil, true)
	require.Equal(t, 403, status)
	requireReason(t, body, "forbidden", "card_export_not_allowed")
	_, body, _ = c.call("GET", detail, reader, nil, true)
	require.Contains(t, string(body), `"rating_count":0`, "ratings went with the old publication")
}
