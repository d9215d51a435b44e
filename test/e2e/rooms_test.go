package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

type roomMessage struct {
	ID     string `json:"id"`
	Role   string `json:"role"`
	Text   string `json:"text"`
	TurnID string `json:"turn_id"`
	Author struct {
		Kind string `json:"kind"`
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"author"`
}

// roomHeard is what a follower of a room heard: its messages, who began to answer, and each
// answer's streamed text by turn.
type roomHeard struct {
	msgs     []roomMessage
	speakers []string
	streamed map[string]string
	ended    int
}

// hear reads the room's stream until until holds.
func hear(t *testing.T, s *eventStream, until func(h *roomHeard) bool) *roomHeard {
	t.Helper()
	h := &roomHeard{streamed: map[string]string{}}
	for !until(h) {
		ev := s.must()
		var d struct {
			TurnID string `json:"turn_id"`
			Name   string `json:"name"`
			Text   string `json:"text"`
		}
		require.NoError(t, json.Unmarshal(ev.Data, &d), "%s", ev.Data)
		switch ev.Type {
		case "message":
			require.NotZero(t, ev.ID, "a room's own events are numbered")
			var m roomMessage
			ev.decode(t, &m)
			h.msgs = append(h.msgs, m)
		case "turn":
			require.NotZero(t, ev.ID)
			h.speakers = append(h.speakers, d.Name)
		case "token":
			require.NotEmpty(t, d.TurnID, "an answer's events name their turn")
			h.streamed[d.TurnID] += d.Text
		case "reset":
			h.streamed[d.TurnID] = ""
		case "complete", "error":
			h.ended++
		}
	}
	return h
}

// answers counts the companions' saved and ended answers.
func (h *roomHeard) answers() int {
	n := 0
	for _, m := range h.msgs {
		if m.Role == "assistant" {
			n++
		}
	}
	return min(n, h.ended)
}

// newRoom makes a room of c's with companions named names (natural order, two replies).
func newRoom(t *testing.T, c *client, names ...string) (roomID string, companions map[string]string) {
	t.Helper()
	companions = map[string]string{}
	var ids []string
	for _, n := range names {
		res := c.do("POST", "/api/v1/companions", companionDoc(t, map[string]any{"name": n, "system_prompt": "", "content_rating": "general"}))
		require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
		var created companionResp
		res.json(t, &created)
		companions[n] = created.Companion.ID
		ids = append(ids, created.Companion.ID)
	}
	res := c.do("POST", "/api/v1/rooms", map[string]any{"title": "Harbour", "companion_ids": ids})
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	var r struct{ ID string }
	res.json(t, &r)
	return r.ID, companions
}

// TestRoomOnTwoReplicas: two people in one room, each on their own `serve` replica over one
// database and stream bus. Both hear each other's messages and every companion's streamed answer;
// the one named answers first and at most two answer; the person removed loses the room at once.
func TestRoomOnTwoReplicas(t *testing.T) {
	t.Parallel()
	for _, p := range sharedBusProfiles() {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			env := p.env(t)
			a, b := startHub(t, env), startHub(t, env)
			ada := a.client(t)
			ada.bearer = ada.login(t, ada.register(t).Username)
			bea := b.client(t)
			beaUser := bea.register(t)
			bea.bearer = bea.login(t, beaUser.Username)

			roomID, _ := newRoom(t, ada, "Mira", "Ines", "Theo")
			res := ada.do("POST", "/api/v1/rooms/"+roomID+"/invites", nil)
			require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
			var inv struct{ Code string }
			res.json(t, &inv)
			res = bea.do("POST", "/api/v1/rooms/join", map[string]any{"code": inv.Code})
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)

			onA, onB := ada.followRoom(t, roomID, 0), bea.followRoom(t, roomID, 0)
			res = ada.do("POST", "/api/v1/rooms/"+roomID+"/messages", map[string]any{"text": "Ines, are you coming to the pier?"},
				header("Idempotency-Key", "ada-1"))
			require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
			two := func(h *roomHeard) bool { return h.answers() == 2 }
			heardA, heardB := hear(t, onA, two), hear(t, onB, two)
			for _, h := range []*roomHeard{heardA, heardB} {
				require.Equal(t, "Ines", h.speakers[0], "the one named answers first")
				require.Len(t, h.speakers, 2, "at most two answer")
				require.Equal(t, "person", h.msgs[0].Author.Kind)
				for _, m := range h.msgs[1:] {
					require.Equal(t, m.Text, h.streamed[m.TurnID], "what was streamed on either replica is what was saved")
				}
			}

			// Bea speaks on her replica: Ada hears her on hers, and the answers.
			res = bea.do("POST", "/api/v1/rooms/"+roomID+"/messages", map[string]any{"text": "Theo, what about you?"})
			require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
			heardA = hear(t, onA, two)
			require.Equal(t, beaUser.DisplayName, heardA.msgs[0].Author.Name)
			require.Equal(t, "Theo", heardA.speakers[0])

			var v struct {
				People []struct {
					UserID string `json:"user_id"`
					Role   string `json:"role"`
				} `json:"people"`
			}
			ada.do("GET", "/api/v1/rooms/"+roomID, nil).json(t, &v)
			for _, p := range v.People {
				if p.Role == "member" {
					res = ada.do("DELETE", "/api/v1/rooms/"+roomID+"/people/"+p.UserID, nil)
					require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
				}
			}
			// Her open stream, on the other replica, ends at once.
			for {
				if _, err := onB.next(); err != nil {
					require.ErrorIs(t, err, io.EOF, "the server ended it")
					break
				}
			}
			for _, path := range []string{"/api/v1/rooms/" + roomID, "/api/v1/rooms/" + roomID + "/messages", "/api/v1/rooms/" + roomID + "/events"} {
				res = bea.do("GET", path, nil)
				require.Equal(t, http.StatusNotFound, res.StatusCode, "removed: %s is gone at once", path)
			}
			res = bea.do("POST", "/api/v1/rooms/"+roomID+"/messages", map[string]any{"text": "still here?"})
			require.Equal(t, http.StatusNotFound, res.StatusCode)
		})
	}
}

// TestRoomOnTemporal: a room's answers run as one workflow per answer on a Temporal worker; the
// worker's last step of each asks the room who is next, so both answers come.
func TestRoomOnTemporal(t *testing.T) {
	t.Parallel()
	env := temporalEnv(t)
	h := startHub(t, env)
	startWorker(t, env)
	c := h.client(t)
	c.bearer = c.login(t, c.register(t).Username)
	roomID, _ := newRoom(t, c, "Mira", "Ines")
	s := c.followRoom(t, roomID, 0)
	res := c.do("POST", "/api/v1/rooms/"+roomID+"/messages", map[string]any{"text": "Good evening, both of you."})
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	heard := hear(t, s, func(h *roomHeard) bool { return h.answers() == 2 })
	require.ElementsMatch(t, []string{"Mira", "Ines"}, heard.speakers)
	for _, m := range heard.msgs[1:] {
		require.Equal(t, "companion", m.Author.Kind)
		require.Equal(t, m.Text, heard.streamed[m.TurnID])
	}
}
