package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"
)

// roomTalkJourney: a person speaks in a room of three companions; the one named answers first, at
// most max_replies answer, everyone in the room hears every message and every answer on the room's
// stream (resumable), retries with the same key say nothing twice, "let X speak" works once the
// room is quiet, and someone removed loses the conversation at once.
func (c *contract) roomTalkJourney(t *testing.T) {
	t.Helper()
	owner := c.companionOwner(t, "roomtalker")
	guest := c.companionOwner(t, "roomlistener")
	ids := map[string]string{}
	var order []string
	for _, name := range []string{"Mira", "Ines", "Theo"} {
		ids[name] = c.newCompanion(t, owner, `{"name":"`+name+`","age":30}`)
		order = append(order, ids[name])
	}
	status, body, _ := c.call("POST", "/api/v1/rooms", owner, map[string]any{"title": "Talk", "companion_ids": order,
		"settings": map[string]any{"max_replies": 2, "strategy": "natural"}}, true)
	require.Equal(t, 201, status, "%s", body)
	var created struct{ ID string }
	require.NoError(t, json.Unmarshal(body, &created))
	room := "/api/v1/rooms/" + created.ID
	status, body, _ = c.call("POST", room+"/invites", owner, nil, true)
	require.Equal(t, 201, status, "%s", body)
	var inv struct{ Code string }
	require.NoError(t, json.Unmarshal(body, &inv))
	status, body, _ = c.call("POST", "/api/v1/rooms/join", guest, map[string]any{"code": inv.Code}, true)
	require.Equal(t, 200, status, "%s", body)

	status, body, _ = c.call("POST", room+"/speak", owner, map[string]any{"companion_id": ids["Mira"]}, true)
	require.Equal(t, 409, status, "nothing said yet: %s", body)
	requireReason(t, body, "conflict", "nothing_to_answer")

	c.model.shut() // the first answer holds its first word until the guest follows
	status, body, hdr := c.call("POST", room+"/messages", owner, map[string]any{"text": "Theo, what do you make of the storm?"}, true,
		header{"Idempotency-Key", "room-talk-1"})
	require.Equal(t, 201, status, "%s", body)
	var said struct {
		ID     string
		Author struct{ Kind, ID, Name string }
	}
	require.NoError(t, json.Unmarshal(body, &said))
	require.Equal(t, "person", said.Author.Kind)
	require.Empty(t, hdr.Get("Idempotent-Replayed"))
	status, body, hdr = c.call("POST", room+"/messages", owner, map[string]any{"text": "Theo, what do you make of the storm?"}, true,
		header{"Idempotency-Key", "room-talk-1"})
	require.Equal(t, 200, status, "%s", body)
	require.Equal(t, "true", hdr.Get("Idempotent-Replayed"))
	require.Contains(t, string(body), said.ID)
	status, body, _ = c.call("POST", room+"/messages", owner, map[string]any{"text": "Something else"}, true,
		header{"Idempotency-Key", "room-talk-1"})
	require.Equal(t, 422, status, "%s", body)
	status, body, _ = c.call("POST", room+"/messages", owner, map[string]any{"text": " "}, false)
	require.Equal(t, 400, status, "%s", body)

	// The guest follows the room: the message, then two answers — Theo, named, first — each
	// announced, streamed with its turn's id, and saved.
	// replies counts the answers saved and ended (the saved message and the answer's own end come
	// on the room's and the answer's streams: either may come first).
	replies := func(types []string, data []map[string]any) int {
		saved, ended := 0, 0
		for i, typ := range types {
			switch {
			case typ == "message" && data[i]["role"] == "assistant":
				saved++
			case typ == "complete":
				ended++
			}
		}
		return min(saved, ended)
	}
	released := false
	types, data := c.stream(t, room+"/events", guest, nil, func(types []string, data []map[string]any) bool {
		if !released && slices.Contains(types, "turn") {
			released = true
			c.model.release()
		}
		return replies(types, data) == 2
	})
	require.Equal(t, []string{"room", "message"}, types[:2], "the guest joined (the room changed), then the owner spoke")
	require.Equal(t, said.ID, data[1]["id"])
	var speakers []string
	tokens := map[string]bool{}
	for i, typ := range types {
		switch typ {
		case "turn":
			speakers = append(speakers, data[i]["name"].(string))
		case "token":
			require.NotEmpty(t, data[i]["turn_id"], "an answer's events name their turn")
			tokens[data[i]["turn_id"].(string)] = true
		}
	}
	require.Len(t, speakers, 2, "at most max_replies answer: %v", types)
	require.Equal(t, "Theo", speakers[0], "the one named answers first")
	require.Len(t, tokens, 2, "both answers streamed")

	// A follower that comes back after the person's message (event 2) hears the rest again, not it;
	// the answers, ended since, by their saved messages.
	saved := func(types []string, data []map[string]any) int {
		n := 0
		for i, typ := range types {
			if typ == "message" && data[i]["role"] == "assistant" {
				n++
			}
		}
		return n
	}
	again, data := c.stream(t, room+"/events", owner, []header{{"Last-Event-ID", "2"}}, func(types []string, data []map[string]any) bool {
		return saved(types, data) == 2
	})
	require.Equal(t, "turn", again[0], "event 3: Theo began (the message was event 2)")
	require.Equal(t, "Theo", data[0]["name"])

	status, body, _ = c.call("GET", room+"/messages?limit=10", guest, nil, true)
	require.Equal(t, 200, status, "%s", body)
	var page struct {
		Items []struct {
			Role   string
			Text   string
			Author struct{ Kind, Name string }
		}
	}
	require.NoError(t, json.Unmarshal(body, &page))
	require.Len(t, page.Items, 3, "the message and two answers, said once: %s", body)
	require.Equal(t, "Theo", page.Items[1].Author.Name, "newest first: Theo answered first")
	for _, m := range page.Items[:2] {
		require.Equal(t, "companion", m.Author.Kind)
		for _, name := range []string{"Mira", "Ines", "Theo", "Owner"} {
			require.NotContains(t, m.Text, "\n"+name+":", "nobody writes another's lines")
		}
	}

	// The room is quiet: a person lets Mira speak.
	status, body, hdr = c.call("POST", room+"/speak", guest, map[string]any{"companion_id": ids["Mira"]}, true)
	require.Equal(t, 202, status, "%s", body)
	require.True(t, strings.HasPrefix(hdr.Get("Location"), "/api/v1/turns/"))
	c.stream(t, room+"/events", owner, []header{{"Last-Event-ID", "2"}}, func(types []string, data []map[string]any) bool {
		return saved(types, data) == 3
	})
	status, body, _ = c.call("POST", room+"/speak", guest, map[string]any{"companion_id": "01937b2e-0000-7000-8000-000000000000"}, true)
	require.Equal(t, 404, status, "%s", body)

	// What the owner said is in their export; what the companions said is not theirs.
	status, body, _ = c.call("GET", "/api/v1/me/export", owner, nil, true)
	require.Equal(t, 200, status)
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	require.NoError(t, err)
	var exported []struct {
		Title    string
		YourRole string `json:"your_role"`
		Said     []struct{ Text string }
	}
	for _, f := range zr.File {
		if f.Name == "rooms.json" {
			rc, err := f.Open()
			require.NoError(t, err)
			require.NoError(t, json.NewDecoder(rc).Decode(&exported))
			_ = rc.Close()
		}
	}
	require.Len(t, exported, 1)
	require.Equal(t, "owner", exported[0].YourRole)
	require.Len(t, exported[0].Said, 1)
	require.Equal(t, "Theo, what do you make of the storm?", exported[0].Said[0].Text)

	// Removed, the guest loses the conversation at once.
	status, body, _ = c.call("GET", room, owner, nil, true)
	require.Equal(t, 200, status)
	var v struct {
		People []struct {
			UserID string `json:"user_id"`
			Role   string
		}
	}
	require.NoError(t, json.Unmarshal(body, &v))
	for _, p := range v.People {
		if p.Role == "member" {
			status, _, _ = c.call("DELETE", room+"/people/"+p.UserID, owner, nil, true)
			require.Equal(t, 200, status)
		}
	}
	status, _, _ = c.call("GET", room+"/messages", guest, nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("POST", room+"/messages", guest, map[string]any{"text": "hello?"}, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("GET", room+"/events", guest, nil, true)
	require.Equal(t, 404, status)
}

// stream follows an event stream that does not end by itself until until holds for the events
// received so far (complete events only), then hangs up; it checks the request and the response
// head against the document.
func (c *contract) stream(t *testing.T, path, token string, headers []header,
	until func(types []string, data []map[string]any) bool) ([]string, []map[string]any) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := httptest.NewRequest("GET", "http://hub.test"+path, nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+token)
	for _, h := range headers {
		req.Header.Set(h.name, h.value)
	}
	route, params, err := c.router.FindRoute(req)
	require.NoError(t, err)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: options}
	require.NoError(t, openapi3filter.ValidateRequest(context.Background(), in))
	w := &streamRecorder{header: http.Header{}, wrote: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.handler.ServeHTTP(w, req)
	}()
	give := time.NewTimer(30 * time.Second) // a bound for reporting a stream that never gets there
	defer give.Stop()
	for {
		select {
		case <-w.wrote:
		case <-done:
			require.FailNow(t, "the room's stream ended", "%s", w.body())
		case <-give.C:
			require.FailNow(t, "the room's stream never got there", "%s", w.body())
		}
		b := w.body()
		cut := bytes.LastIndex(b, []byte("\n\n"))
		if cut < 0 {
			continue
		}
		types, data := sseEvents(t, b[:cut+2])
		if !until(types, data) {
			continue
		}
		cancel()
		<-done
		require.Equal(t, 200, w.status)
		require.NoError(t, openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: w.status, Header: w.header, Options: options, Body: io.NopCloser(bytes.NewReader(b[:cut+2]))}))
		c.mu.Lock()
		c.seen["GET "+route.Path] = true
		c.mu.Unlock()
		return types, data
	}
}

// streamRecorder is a ResponseWriter that can be read while it is written, and flushed.
type streamRecorder struct {
	mu     sync.Mutex
	header http.Header
	status int
	buf    bytes.Buffer
	wrote  chan struct{}
}

func (r *streamRecorder) Header() http.Header { return r.header }

func (r *streamRecorder) WriteHeader(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status == 0 {
		r.status = status
	}
}

func (r *streamRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	if r.status == 0 {
		r.status = 200
	}
	n, err := r.buf.Write(p)
	r.mu.Unlock()
	select {
	case r.wrote <- struct{}{}:
	default:
	}
	return n, err
}

func (r *streamRecorder) Flush() {}

func (r *streamRecorder) body() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Clone(r.buf.Bytes())
}
