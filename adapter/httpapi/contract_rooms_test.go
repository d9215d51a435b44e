package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// roomsJourney: a room made with companions, seen only by its people; an invitation used once; a
// member who brings a published companion, leaves; a member removed who loses the room at once.
func (c *contract) roomsJourney(t *testing.T) {
	t.Helper()
	owner := c.companionOwner(t, "roomkeeper")
	mira := c.newCompanion(t, owner, `{"name":"Mira","age":28}`)
	ines := c.newCompanion(t, owner, `{"name":"Ines","age":29}`)
	guest := c.companionOwner(t, "roomguest")
	stranger := c.companionOwner(t, "roomstranger")
	theirs := c.newCompanion(t, guest, `{"name":"Theo","age":31}`)

	type roomBody struct {
		ID       string
		Title    string
		YourRole string `json:"your_role"`
		Settings struct {
			Strategy   string
			MaxReplies int `json:"max_replies"`
		}
		People []struct {
			UserID string `json:"user_id"`
			Role   string
		}
		Companions []struct {
			CompanionID string `json:"companion_id"`
			Name        string
		}
	}
	decode := func(body []byte) roomBody {
		t.Helper()
		var r roomBody
		require.NoError(t, json.Unmarshal(body, &r), "%s", body)
		return r
	}
	status, body, hdr := c.call("POST", "/api/v1/rooms", owner, map[string]any{"title": "The Lighthouse", "companion_ids": []string{ines, mira},
		"settings": map[string]any{"max_replies": 3}}, true)
	require.Equal(t, 201, status, "%s", body)
	r := decode(body)
	require.Equal(t, "/api/v1/rooms/"+r.ID, hdr.Get("Location"))
	require.Equal(t, "owner", r.YourRole)
	require.Equal(t, []string{"Ines", "Mira"}, []string{r.Companions[0].Name, r.Companions[1].Name})
	require.Equal(t, 3, r.Settings.MaxReplies)
	require.Equal(t, "natural", r.Settings.Strategy)
	room := "/api/v1/rooms/" + r.ID

	status, body, _ = c.call("POST", "/api/v1/rooms", owner, map[string]any{"title": " ", "companion_ids": []string{theirs},
		"settings": map[string]any{"max_replies": 9}}, false)
	require.Equal(t, 400, status, "%s", body)
	_, _, fields := errorOf(t, body)
	require.Equal(t, map[string]string{"title": "required", "max_replies": "out_of_range"}, fields)
	status, body, _ = c.call("POST", "/api/v1/rooms", owner, map[string]any{"title": "Not yours", "companion_ids": []string{theirs}}, true)
	require.Equal(t, 404, status, "another's unpublished companion: %s", body)
	requireReason(t, body, "not_found", "companion_not_found")

	// Once published, anyone may bring it — a general one; a mature one only once they confirmed
	// they are adults.
	mature := c.newCompanion(t, guest, `{"name":"Vera","age":35,"content_rating":"mature"}`)
	status, body, _ = c.call("PUT", "/api/v1/me/adult-confirmation", guest, map[string]bool{"adult": true}, true)
	require.Equal(t, 200, status, "%s", body)
	for _, id := range []string{theirs, mature} {
		status, body, _ = c.call("POST", "/api/v1/companions/"+id+"/publish", guest, nil, true)
		require.Equal(t, 200, status, "%s", body)
	}
	status, body, _ = c.call("POST", room+"/companions", owner, map[string]any{"companion_id": mature}, true)
	require.Equal(t, 404, status, "mature, and the owner never confirmed: %s", body)
	status, body, _ = c.call("POST", room+"/companions", owner, map[string]any{"companion_id": theirs}, true)
	require.Equal(t, 200, status, "%s", body)
	require.Equal(t, "Theo", decode(body).Companions[2].Name)
	// Unpublished since, it is no longer there to use: the room no longer shows it.
	status, body, _ = c.call("POST", "/api/v1/companions/"+theirs+"/unpublish", guest, nil, true)
	require.Equal(t, 204, status, "%s", body)
	status, body, _ = c.call("GET", room, owner, nil, true)
	require.Equal(t, 200, status, "%s", body)
	require.Len(t, decode(body).Companions, 2)
	status, body, _ = c.call("POST", "/api/v1/companions/"+theirs+"/publish", guest, nil, true)
	require.Equal(t, 200, status, "%s", body)
	status, body, _ = c.call("DELETE", room+"/companions/"+theirs, owner, nil, true)
	require.Equal(t, 200, status, "%s", body)

	status, _, _ = c.call("GET", room, stranger, nil, true)
	require.Equal(t, 404, status, "a room one is not in does not exist")
	status, _, _ = c.call("GET", room, "", nil, true)
	require.Equal(t, 401, status)
	status, body, _ = c.call("GET", "/api/v1/rooms", owner, nil, true)
	require.Equal(t, 200, status)
	require.Contains(t, string(body), r.ID)

	// An invitation that leaked is revoked; the owner sees the live ones, never their codes.
	status, body, _ = c.call("POST", room+"/invites", owner, nil, true)
	require.Equal(t, 201, status, "%s", body)
	var leaked struct{ ID, Code string }
	require.NoError(t, json.Unmarshal(body, &leaked))
	status, body, _ = c.call("GET", room+"/invites", owner, nil, true)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), leaked.ID)
	require.NotContains(t, string(body), leaked.Code)
	status, body, _ = c.call("GET", room+"/invites", stranger, nil, true)
	require.Equal(t, 404, status, "%s", body)
	status, _, _ = c.call("DELETE", room+"/invites/"+leaked.ID, owner, nil, true)
	require.Equal(t, 204, status)
	status, body, _ = c.call("DELETE", room+"/invites/"+leaked.ID, owner, nil, true)
	require.Equal(t, 404, status, "%s", body)
	requireReason(t, body, "not_found", "invite_not_found")
	status, body, _ = c.call("POST", "/api/v1/rooms/join", guest, map[string]any{"code": leaked.Code}, true)
	require.Equal(t, 404, status, "revoked: %s", body)

	status, body, _ = c.call("POST", room+"/invites", owner, map[string]any{"expires_in_hours": 24}, true)
	require.Equal(t, 201, status, "%s", body)
	var inv struct{ Code string }
	require.NoError(t, json.Unmarshal(body, &inv))
	status, body, _ = c.call("POST", "/api/v1/rooms/join", guest, map[string]any{"code": inv.Code}, true)
	require.Equal(t, 200, status, "%s", body)
	require.Equal(t, "member", decode(body).YourRole)
	status, body, _ = c.call("POST", "/api/v1/rooms/join", stranger, map[string]any{"code": inv.Code}, true)
	require.Equal(t, 404, status, "used: %s", body)
	requireReason(t, body, "not_found", "invite_invalid")

	// A member changes nothing of the room's, but brings their own companion and takes it out.
	status, body, _ = c.call("PATCH", room, guest, map[string]any{"title": "Mine now"}, true)
	require.Equal(t, 403, status, "%s", body)
	requireReason(t, body, "forbidden", "room_owner_only")
	status, body, _ = c.call("POST", room+"/invites", guest, nil, true)
	require.Equal(t, 403, status, "%s", body)
	status, body, _ = c.call("DELETE", room+"/people/"+decode(body2(t, c, room, owner)).People[0].UserID, guest, nil, true)
	require.Equal(t, 403, status, "a member removes nobody: %s", body)
	status, body, _ = c.call("POST", room+"/companions", guest, map[string]any{"companion_id": theirs}, true)
	require.Equal(t, 200, status, "%s", body)
	require.Len(t, decode(body).Companions, 3)
	status, body, _ = c.call("POST", room+"/companions", guest, map[string]any{"companion_id": theirs}, true)
	require.Equal(t, 409, status, "%s", body)
	status, body, _ = c.call("DELETE", room+"/companions/"+mira, guest, nil, true)
	require.Equal(t, 403, status, "not theirs to take out: %s", body)
	status, body, _ = c.call("DELETE", room+"/companions/"+theirs, guest, nil, true)
	require.Equal(t, 200, status, "%s", body)
	status, body, _ = c.call("PATCH", room, owner, map[string]any{"title": "The Harbour", "settings": map[string]any{"strategy": "list"}}, true)
	require.Equal(t, 200, status, "%s", body)
	r = decode(body)
	require.Equal(t, "The Harbour", r.Title)
	require.Equal(t, "list", r.Settings.Strategy)
	require.Equal(t, 3, r.Settings.MaxReplies, "kept")

	// The owner stays; a member leaves; a member removed loses the room at once.
	status, body, _ = c.call("POST", room+"/leave", owner, nil, true)
	require.Equal(t, 409, status, "%s", body)
	status, _, _ = c.call("POST", room+"/leave", guest, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("GET", room, guest, nil, true)
	require.Equal(t, 404, status)
	status, body, _ = c.call("POST", room+"/invites", owner, map[string]any{}, true)
	require.Equal(t, 201, status, "%s", body)
	require.NoError(t, json.Unmarshal(body, &inv))
	status, body, _ = c.call("POST", "/api/v1/rooms/join", stranger, map[string]any{"code": inv.Code}, true)
	require.Equal(t, 200, status, "%s", body)
	strangerID := ""
	for _, p := range decode(body).People {
		if p.Role == "member" {
			strangerID = p.UserID
		}
	}
	status, body, _ = c.call("DELETE", room+"/people/"+strangerID, owner, nil, true)
	require.Equal(t, 200, status, "%s", body)
	require.Len(t, decode(body).People, 1)
	status, body, _ = c.call("DELETE", room+"/people/"+strangerID, owner, nil, true)
	require.Equal(t, 404, status, "%s", body)
	requireReason(t, body, "not_found", "person_not_in_room")
	status, _, _ = c.call("GET", room, stranger, nil, true)
	require.Equal(t, 404, status, "removed: gone at once")

	status, _, _ = c.call("DELETE", room, stranger, nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("DELETE", room, owner, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("GET", room, owner, nil, true)
	require.Equal(t, 404, status)
}

// body2 is the room as caller sees it.
func body2(t *testing.T, c *contract, room, caller string) []byte {
	t.Helper()
	status, body, _ := c.call("GET", room, caller, nil, true)
	require.Equal(t, 200, status, "%s", body)
	return body
}
