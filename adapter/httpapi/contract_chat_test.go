package httpapi_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/usecase/llm"
)

func init() {
	// An event stream is text: the document says so (a string); its events are checked by the test.
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.FileBodyDecoder)
}

// gatedModel is the offline model behind a gate: while the gate is shut, replies wait (so a turn
// stays running for as long as a test needs it to).
type gatedModel struct {
	llm.Model
	mu   sync.Mutex
	open chan struct{}
	// streamed are the requests of the replies written (streamed), in order.
	streamed []llm.Request
	// fail, when set, is what every reply fails with.
	fail error
}

// replyTo is the request of the last reply written to a message containing text.
func (m *gatedModel) replyTo(text string) llm.Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := len(m.streamed) - 1; i >= 0; i-- {
		if msgs := m.streamed[i].Messages; len(msgs) > 0 && strings.Contains(msgs[len(msgs)-1].Content, text) {
			return m.streamed[i]
		}
	}
	return llm.Request{}
}

func (m *gatedModel) shut() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.open = make(chan struct{})
}

func (m *gatedModel) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	close(m.open)
}

func (m *gatedModel) Stream(ctx context.Context, req llm.Request, onText func(string) error) (llm.Usage, error) {
	m.mu.Lock()
	gate, fail := m.open, m.fail
	m.streamed = append(m.streamed, req)
	m.mu.Unlock()
	if fail != nil {
		return llm.Usage{}, fail
	}
	select {
	case <-gate:
	case <-ctx.Done():
		return llm.Usage{}, ctx.Err()
	}
	return m.Model.Stream(ctx, req, onText)
}

// sseEvents parses an event stream into (event, data) pairs.
func sseEvents(t *testing.T, body []byte) (types []string, data []map[string]any) {
	t.Helper()
	for _, block := range strings.Split(string(body), "\n\n") {
		var typ, d string
		for _, line := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(line, "event: "):
				typ = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				d += strings.TrimPrefix(line, "data: ")
			}
		}
		if typ == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(d), &m), "event data is JSON: %q", d)
		types, data = append(types, typ), append(data, m)
	}
	return types, data
}

func (c *contract) chatJourney(t *testing.T, tok, companionID string) {
	msgs := "/api/v1/companions/" + companionID + "/messages"
	status, body, hdr := c.call("POST", msgs, tok, map[string]any{"text": "Hello there!"}, true, header{"Idempotency-Key", "journey-1"})
	require.Equal(t, 202, status, "%s", body)
	var sent struct {
		Message struct{ ID string } `json:"message"`
		Turn    struct {
			ID        string `json:"id"`
			EventsURL string `json:"events_url"`
		} `json:"turn"`
	}
	require.NoError(t, json.Unmarshal(body, &sent))
	require.Equal(t, "/api/v1/turns/"+sent.Turn.ID, hdr.Get("Location"))
	status, body, hdr = c.call("POST", msgs, tok, map[string]any{"text": "Hello there!"}, true, header{"Idempotency-Key", "journey-1"})
	require.Equal(t, 202, status)
	require.Equal(t, "true", hdr.Get("Idempotent-Replayed"))
	require.Contains(t, string(body), sent.Turn.ID)
	// The same key with another request is refused, not answered with the first turn.
	status, body, _ = c.call("POST", msgs, tok, map[string]any{"text": "Goodbye!"}, true, header{"Idempotency-Key", "journey-1"})
	require.Equal(t, 422, status, "%s", body)
	requireReason(t, body, "invalid", "idempotency_key_reused")
	// A feature without a backend is refused when it is asked for, naming the option.
	status, body, _ = c.call("POST", msgs, tok, map[string]any{"text": "Say it?", "voice": true}, true)
	require.Equal(t, 400, status, "%s", body)
	require.Contains(t, string(body), `"field":"voice","code":"not_configured"`)

	status, body, hdr = c.call("GET", sent.Turn.EventsURL, tok, nil, true)
	require.Equal(t, 200, status)
	require.Contains(t, hdr.Get("Content-Type"), "text/event-stream")
	types, data := sseEvents(t, body)
	require.Equal(t, "complete", types[len(types)-1], "%s", body)
	reply := data[len(data)-1]["message_id"].(string)
	require.Contains(t, types, "token")
	require.Contains(t, types, "state")

	// Resuming after the last event gives nothing more; resuming after the first gives the rest.
	status, body, _ = c.call("GET", sent.Turn.EventsURL, tok, nil, true, header{"Last-Event-ID", "1"})
	require.Equal(t, 200, status)
	rest, _ := sseEvents(t, body)
	require.Equal(t, types[1:], rest)
	status, body, _ = c.call("GET", sent.Turn.EventsURL, tok, nil, true, header{"Last-Event-ID", strconv.Itoa(len(types))})
	require.Equal(t, 204, status, "the client has the last event: nothing more, stop reconnecting; %v; %s", types, body)
	require.Empty(t, body)
	status, _, _ = c.call("GET", sent.Turn.EventsURL+"?last_event_id=x", tok, nil, false)
	require.Equal(t, 400, status)

	status, body, _ = c.call("GET", "/api/v1/turns/"+sent.Turn.ID, tok, nil, true)
	require.Equal(t, 200, status)
	require.Contains(t, string(body), `"status":"completed"`)
	status, _, _ = c.call("GET", "/api/v1/turns/01937b2e-0000-7000-8000-000000000000", tok, nil, true)
	require.Equal(t, 404, status)

	status, _, _ = c.call("POST", msgs, tok, map[string]any{"text": ""}, false)
	require.Equal(t, 400, status)
	status, _, _ = c.call("POST", "/api/v1/companions/01937b2e-0000-7000-8000-000000000000/messages", tok, map[string]any{"text": "hi"}, true)
	require.Equal(t, 404, status)

	// Another reply to the same message: kept as an alternative, the new one shown.
	status, body, _ = c.call("POST", "/api/v1/messages/"+reply+"/regenerate", tok, nil, true, header{"Idempotency-Key", "regen-1"})
	require.Equal(t, 202, status, "%s", body)
	var regen struct {
		Turn struct {
			ID        string `json:"id"`
			EventsURL string `json:"events_url"`
		} `json:"turn"`
	}
	require.NoError(t, json.Unmarshal(body, &regen))
	_, body, _ = c.call("GET", regen.Turn.EventsURL, tok, nil, true)
	types, _ = sseEvents(t, body)
	require.Equal(t, "complete", types[len(types)-1])
	// A retried regeneration is answered with its turn; it writes no second alternative.
	status, body, hdr = c.call("POST", "/api/v1/messages/"+reply+"/regenerate", tok, nil, true, header{"Idempotency-Key", "regen-1"})
	require.Equal(t, 202, status, "%s", body)
	require.Equal(t, "true", hdr.Get("Idempotent-Replayed"))
	require.Contains(t, string(body), regen.Turn.ID)
	status, body, _ = c.call("POST", "/api/v1/messages/"+reply+"/regenerate", tok, map[string]any{"deep_think": true}, true,
		header{"Idempotency-Key", "regen-1"})
	require.Equal(t, 422, status, "%s", body)
	requireReason(t, body, "invalid", "idempotency_key_reused")
	status, body, _ = c.call("GET", msgs+"?limit=10", tok, nil, true)
	require.Equal(t, 200, status)
	require.Contains(t, string(body), `"alternatives":2`)
	status, body, _ = c.call("POST", "/api/v1/messages/"+sent.Message.ID+"/regenerate", tok, map[string]any{"deep_think": true}, true)
	require.Equal(t, 202, status, "the user message stands for its replies")
	require.NoError(t, json.Unmarshal(body, &regen))
	_, body, _ = c.call("GET", regen.Turn.EventsURL, tok, nil, true)
	types, _ = sseEvents(t, body)
	require.Equal(t, "complete", types[len(types)-1])

	// The alternatives, with the ids to select: three replies to the question, the newest shown.
	status, body, _ = c.call("GET", "/api/v1/messages/"+sent.Message.ID+"/alternatives", tok, nil, true)
	require.Equal(t, 200, status, "%s", body)
	var alts struct {
		Items []struct {
			ID       string `json:"id"`
			Selected bool   `json:"selected"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &alts))
	require.Len(t, alts.Items, 3)
	require.Equal(t, reply, alts.Items[0].ID, "oldest first")
	require.True(t, alts.Items[2].Selected)
	status, _, _ = c.call("GET", "/api/v1/messages/01937b2e-0000-7000-8000-000000000000/alternatives", tok, nil, true)
	require.Equal(t, 404, status)

	// Edit: show the first alternative again; correct the question.
	status, body, _ = c.call("PATCH", "/api/v1/messages/"+alts.Items[0].ID, tok, map[string]any{"selected": true}, true)
	require.Equal(t, 200, status, "%s", body)
	_, body, _ = c.call("GET", "/api/v1/messages/"+reply+"/alternatives", tok, nil, true)
	require.NoError(t, json.Unmarshal(body, &alts))
	require.True(t, alts.Items[0].Selected, "a reply names the same alternatives; the first is shown now")
	status, _, _ = c.call("PATCH", "/api/v1/messages/"+sent.Message.ID, tok, map[string]any{"text": "Hello, neighbour!"}, true)
	require.Equal(t, 200, status)
	status, _, _ = c.call("PATCH", "/api/v1/messages/"+sent.Message.ID, tok, map[string]any{}, false)
	require.Equal(t, 400, status)

	// A turn that is still being written: a second send waits its turn; cancel stops it.
	c.model.shut()
	status, body, _ = c.call("POST", msgs, tok, map[string]any{"text": "Are you there?"}, true)
	require.Equal(t, 202, status)
	var running struct {
		Turn struct {
			ID        string `json:"id"`
			EventsURL string `json:"events_url"`
		} `json:"turn"`
	}
	require.NoError(t, json.Unmarshal(body, &running))
	status, _, _ = c.call("POST", msgs, tok, map[string]any{"text": "Hello?"}, true)
	require.Equal(t, 409, status)
	// A reloaded page finds the turn under way; another person does not.
	current := "/api/v1/companions/" + companionID + "/turns/current"
	status, body, _ = c.call("GET", current, tok, nil, true)
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, string(body), running.Turn.ID)
	status, body, _ = c.call("GET", current, c.companionOwner(t, "stranger"), nil, true)
	require.Equal(t, 404, status, "%s", body)
	requireReason(t, body, "not_found", "turn_not_found")
	status, body, _ = c.call("POST", "/api/v1/turns/"+running.Turn.ID+"/cancel", tok, nil, true)
	require.Equal(t, 200, status)
	require.Contains(t, string(body), `"cancel_requested":true`)
	_, body, _ = c.call("GET", running.Turn.EventsURL, tok, nil, true)
	types, data = sseEvents(t, body)
	require.Equal(t, "error", types[len(types)-1])
	require.Equal(t, "cancelled", data[len(data)-1]["code"])
	c.model.release()
	status, body, _ = c.call("GET", current, tok, nil, true)
	require.Equal(t, 404, status, "every turn has ended: %s", body)

	// In the trash, the conversation is the owner's to read, not to change.
	companion := "/api/v1/companions/" + companionID
	status, _, _ = c.call("DELETE", companion, tok, nil, true)
	require.Equal(t, 204, status)
	for _, read := range []string{msgs, "/api/v1/turns/" + running.Turn.ID, running.Turn.EventsURL,
		"/api/v1/messages/" + reply + "/alternatives"} {
		status, body, _ = c.call("GET", read, tok, nil, true)
		require.Equal(t, 200, status, "GET %s: %s", read, body)
	}
	for _, write := range []struct {
		method, path string
		body         any
	}{
		{"POST", msgs, map[string]any{"text": "Still there?"}},
		{"POST", "/api/v1/messages/" + reply + "/regenerate", nil},
		{"PATCH", "/api/v1/messages/" + reply, map[string]any{"selected": true}},
		{"PATCH", "/api/v1/messages/" + sent.Message.ID, map[string]any{"text": "Hello again"}},
		{"DELETE", "/api/v1/messages/" + reply, nil},
	} {
		status, body, _ = c.call(write.method, write.path, tok, write.body, true)
		require.Equal(t, 409, status, "%s %s: %s", write.method, write.path, body)
		requireReason(t, body, "conflict", "companion_trashed")
	}
	// Stopping a turn changes nothing the owner wrote: it stays possible in the trash.
	status, body, _ = c.call("POST", "/api/v1/turns/"+running.Turn.ID+"/cancel", tok, nil, true)
	require.Equal(t, 200, status, "%s", body)
	status, _, _ = c.call("POST", companion+"/restore", tok, nil, true)
	require.Equal(t, 200, status)

	status, _, _ = c.call("DELETE", "/api/v1/messages/"+sent.Message.ID, tok, nil, true)
	require.Equal(t, 204, status)
	status, _, _ = c.call("DELETE", "/api/v1/messages/"+sent.Message.ID, tok, nil, true)
	require.Equal(t, 404, status)
	status, _, _ = c.call("PATCH", "/api/v1/messages/"+reply, tok, map[string]any{"text": "gone"}, true)
	require.Equal(t, 404, status, "the question took its replies with it")
	status, _, _ = c.call("POST", "/api/v1/messages/"+reply+"/regenerate", tok, nil, true)
	require.Equal(t, 404, status)
}

// requireReason checks an error body's code and details.reason.
func requireReason(t *testing.T, body []byte, code, reason string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Details struct {
				Reason string `json:"reason"`
			} `json:"details"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "%s", body)
	require.Equal(t, code, e.Error.Code, "%s", body)
	require.Equal(t, reason, e.Error.Details.Reason, "%s", body)
}
