package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// forEachChatProfile runs fn as a parallel subtest per deployment profile with that profile's
// environment; fn adds its own settings and starts the hub.
func forEachChatProfile(t *testing.T, fn func(t *testing.T, env map[string]string)) {
	for _, p := range profiles {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			fn(t, p.env(t))
		})
	}
}

// with returns env plus kv (pairs of name and value).
func with(env map[string]string, kv ...string) map[string]string {
	out := maps.Clone(env)
	if out == nil {
		out = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// chatter is a signed-in person with one companion.
type chatter struct {
	*client
	token     string
	companion string
}

// newChatter registers and signs in a person and creates a companion from doc (when empty:
// profileDoc without its card's system prompt, so the hub's own prompt tells the model who it is).
func newChatter(t *testing.T, h *hub, doc string) *chatter {
	t.Helper()
	c := h.client(t)
	token := c.login(t, c.register(t).Username)
	c.bearer = token
	if doc == "" {
		doc = companionDoc(t, map[string]any{"system_prompt": ""})
	}
	res := c.do("POST", "/api/v1/companions", doc)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	var created companionResp
	res.json(t, &created)
	return &chatter{client: c, token: token, companion: created.Companion.ID}
}

type chatMessage struct {
	ID               string `json:"id"`
	CompanionID      string `json:"companion_id"`
	Role             string `json:"role"`
	Text             string `json:"text"`
	ReplyTo          string `json:"reply_to"`
	TurnID           string `json:"turn_id"`
	Selected         bool   `json:"selected"`
	Alternatives     int    `json:"alternatives"`
	AlternativeIndex int    `json:"alternative_index"`
}

type chatTurn struct {
	ID              string      `json:"id"`
	CompanionID     string      `json:"companion_id"`
	UserMessageID   string      `json:"user_message_id"`
	Status          string      `json:"status"`
	Progress        int         `json:"progress"`
	Regenerate      bool        `json:"regenerate"`
	CancelRequested bool        `json:"cancel_requested"`
	ReplyID         string      `json:"reply_id"`
	Error           *errorEvent `json:"error"`
	EventsURL       string      `json:"events_url"`
}

type sentMessage struct {
	Message chatMessage `json:"message"`
	Turn    chatTurn    `json:"turn"`
}

// send posts a message and checks it was accepted.
func (c *chatter) send(t *testing.T, text string) sentMessage {
	t.Helper()
	res := c.do("POST", "/api/v1/companions/"+c.companion+"/messages", map[string]any{"text": text})
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.body)
	var sent sentMessage
	res.json(t, &sent)
	require.Equal(t, "user", sent.Message.Role)
	require.Equal(t, text, sent.Message.Text)
	require.NotEmpty(t, sent.Turn.ID)
	require.Equal(t, sent.Message.ID, sent.Turn.UserMessageID)
	require.Equal(t, "/api/v1/turns/"+sent.Turn.ID, res.Header.Get("Location"))
	require.Equal(t, "/api/v1/turns/"+sent.Turn.ID+"/events", sent.Turn.EventsURL)
	return sent
}

// turn reads a turn; t may be an Eventually's collector, so a failed read is retried there.
func (c *chatter) turn(t require.TestingT, id string) chatTurn {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	res := c.do("GET", "/api/v1/turns/"+id, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var out struct {
		Turn chatTurn `json:"turn"`
	}
	res.json(t, &out)
	return out.Turn
}

// history is the conversation, newest first.
func (c *chatter) history(t *testing.T) []chatMessage {
	t.Helper()
	res := c.do("GET", "/api/v1/companions/"+c.companion+"/messages?limit=50", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var page struct {
		Items      []chatMessage `json:"items"`
		NextCursor string        `json:"next_cursor"`
	}
	res.json(t, &page)
	require.Empty(t, page.NextCursor)
	return page.Items
}

// roles are the roles of msgs, in order.
func roles(msgs []chatMessage) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Role
	}
	return out
}

// TestChatShowFlow is the README's first chat: a reply followed live, the connection dropped
// midway and resumed with Last-Event-ID — which gives exactly the events missed — and the reply in
// the history afterwards, saved by the hub without any client finishing it.
func TestChatShowFlow(t *testing.T) {
	t.Parallel()
	forEachChatProfile(t, func(t *testing.T, env map[string]string) {
		// Paced so that the reply is still streaming when the client drops it.
		h := startHub(t, with(env, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "20"))
		c := newChatter(t, h, "")
		sent := c.send(t, "hi")

		first := c.follow(t, sent.Turn.ID, 0)
		seen := first.untilTokens(3)
		first.close()
		last := seen[len(seen)-1].ID

		rest := c.follow(t, sent.Turn.ID, last).rest()
		all := append(seen, rest...)
		requireSequence(t, all)
		require.Equal(t, last+1, rest[0].ID, "the stream resumes right after the last event seen")
		done := completed(t, all)
		require.Empty(t, ofType(all, "reset"))
		require.Equal(t, done.Text, replyText(t, all), "the tokens are the reply, nothing more or less")
		require.Contains(t, done.Text, "I'm Mira Vale.", "the offline model answers as the companion")
		require.Len(t, ofType(all, "state"), 1)

		msgs := c.history(t)
		require.Equal(t, []string{"assistant", "user"}, roles(msgs))
		require.Equal(t, chatMessage{ID: done.MessageID, CompanionID: c.companion, Role: "assistant", Text: done.Text,
			ReplyTo: sent.Message.ID, TurnID: sent.Turn.ID, Selected: true, Alternatives: 1, AlternativeIndex: 1}, msgs[0])
		require.Equal(t, sent.Message.ID, msgs[1].ID)

		turn := c.turn(t, sent.Turn.ID)
		require.Equal(t, "completed", turn.Status)
		require.Equal(t, 100, turn.Progress)
		require.Equal(t, done.MessageID, turn.ReplyID)
		require.Nil(t, turn.Error)

		// Following a finished turn from the start replays it whole.
		again := c.follow(t, sent.Turn.ID, 0).rest()
		require.Equal(t, all, again)

		// SPEC §1: the offline model says in its output that it is offline — its label must survive
		// the stage-direction filter.
		require.True(t, strings.HasPrefix(done.Text, "[Offline model] "), "the reply is labelled: %q", done.Text)
	})
}

// attempt is one raw request, safe to make from any goroutine (client.do is not: it fails the test).
func (c *client) attempt(method, path string, body any, hdr map[string]string) (int, http.Header, []byte, error) {
	js, err := json.Marshal(body)
	if err != nil {
		return 0, nil, nil, err
	}
	req, err := http.NewRequest(method, c.h.URL+path, bytes.NewReader(js))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", c.ip)
	req.Header.Set("Authorization", "Bearer "+c.bearer)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, data, err
}

// TestChatIdempotentSend: a client retrying one send many times at once — a flaky network, an
// impatient button — starts one turn, and every retry is answered with it.
func TestChatIdempotentSend(t *testing.T) {
	t.Parallel()
	forEachChatProfile(t, func(t *testing.T, env map[string]string) {
		h := startHub(t, with(env, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "0"))
		c := newChatter(t, h, "")
		key := unique("send")
		path := "/api/v1/companions/" + c.companion + "/messages"
		body := map[string]any{"text": "Just once, please."}

		const n = 50
		type answer struct {
			status   int
			replayed string
			body     []byte
			err      error
		}
		answers := make([]answer, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				status, hdr, data, err := c.attempt("POST", path, body, map[string]string{"Idempotency-Key": key})
				answers[i] = answer{status: status, body: data, err: err}
				if hdr != nil {
					answers[i].replayed = hdr.Get("Idempotent-Replayed")
				}
			})
		}
		close(start)
		wg.Wait()

		turns, messages := map[string]int{}, map[string]int{}
		fresh := 0
		for i, a := range answers {
			require.NoError(t, a.err, "request %d", i)
			if !assertStatus(t, http.StatusAccepted, a.status, a.body, fmt.Sprintf("request %d", i)) {
				continue
			}
			var sent sentMessage
			require.NoError(t, json.Unmarshal(a.body, &sent))
			turns[sent.Turn.ID]++
			messages[sent.Message.ID]++
			if a.replayed != "true" {
				fresh++
			}
		}
		require.Len(t, turns, 1, "one turn for every retry: %v", turns)
		require.Len(t, messages, 1, "one message for every retry: %v", messages)
		require.Equal(t, 1, fresh, "exactly one answer is not a replay")
		var turnID string
		for id := range turns {
			turnID = id
		}

		completed(t, c.follow(t, turnID, 0).rest())
		require.Equal(t, []string{"assistant", "user"}, roles(c.history(t)), "one message, one reply")

		// A retry after the reply still gets the same turn, and starts nothing.
		status, hdr, data, err := c.attempt("POST", path, body, map[string]string{"Idempotency-Key": key})
		require.NoError(t, err)
		require.Equal(t, http.StatusAccepted, status, "%s", data)
		require.Equal(t, "true", hdr.Get("Idempotent-Replayed"))
		var sent sentMessage
		require.NoError(t, json.Unmarshal(data, &sent))
		require.Equal(t, turnID, sent.Turn.ID)
		require.Equal(t, "completed", sent.Turn.Status)
		require.Len(t, c.history(t), 2)
	})
}

// assertStatus reports (without stopping the test) an unexpected status, so that one run shows
// every distinct failure.
func assertStatus(t *testing.T, want, got int, body []byte, what string) bool {
	t.Helper()
	if got != want {
		t.Errorf("%s: status %d, want %d: %s", what, got, want, body)
		return false
	}
	return true
}

// TestChatCancel: cancelling a reply midway ends its stream as cancelled, records the turn so, and
// leaves no half-written reply; the companion can be talked to again at once.
func TestChatCancel(t *testing.T) {
	t.Parallel()
	forEachChatProfile(t, func(t *testing.T, env map[string]string) {
		// Two words a second: the reply takes several seconds, so it is cancelled midway.
		h := startHub(t, with(env, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "2"))
		c := newChatter(t, h, "")
		sent := c.send(t, "Tell me a long story.")
		s := c.follow(t, sent.Turn.ID, 0)
		evs := s.untilTokens(1)

		res := c.do("POST", "/api/v1/turns/"+sent.Turn.ID+"/cancel", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		var cancelled struct {
			Turn chatTurn `json:"turn"`
		}
		res.json(t, &cancelled)
		require.True(t, cancelled.Turn.CancelRequested)

		evs = append(evs, s.rest()...)
		requireSequence(t, evs)
		e := failed(t, evs)
		require.Equal(t, "cancelled", e.Code)
		require.Empty(t, ofType(evs, "state"), "no reply was saved")

		turn := c.turn(t, sent.Turn.ID)
		require.Equal(t, "cancelled", turn.Status)
		require.NotNil(t, turn.Error)
		require.Equal(t, "cancelled", turn.Error.Code)
		require.Empty(t, turn.ReplyID)
		msgs := c.history(t)
		require.Equal(t, []string{"user"}, roles(msgs), "the message stays, no reply is written")
		require.Equal(t, sent.Message.ID, msgs[0].ID)

		// Cancelling again changes nothing.
		res = c.do("POST", "/api/v1/turns/"+sent.Turn.ID+"/cancel", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		require.Equal(t, "cancelled", c.turn(t, sent.Turn.ID).Status)

		// The companion is free again.
		next := c.send(t, "Never mind.")
		res = c.do("POST", "/api/v1/turns/"+next.Turn.ID+"/cancel", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		require.Equal(t, "cancelled", failed(t, c.follow(t, next.Turn.ID, 0).rest()).Code)
	})
}

// TestChatRegenerate: regenerating the last reply shows a new alternative and keeps the old one;
// selecting the old one shows it again.
func TestChatRegenerate(t *testing.T) {
	t.Parallel()
	forEachChatProfile(t, func(t *testing.T, env map[string]string) {
		h := startHub(t, with(env, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "0"))
		c := newChatter(t, h, "")
		sent := c.send(t, "What do you see tonight?")
		first := completed(t, c.follow(t, sent.Turn.ID, 0).rest())

		res := c.do("POST", "/api/v1/messages/"+first.MessageID+"/regenerate", nil)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.body)
		var regen struct {
			Turn chatTurn `json:"turn"`
		}
		res.json(t, &regen)
		require.True(t, regen.Turn.Regenerate)
		require.NotEqual(t, sent.Turn.ID, regen.Turn.ID)
		require.Equal(t, sent.Message.ID, regen.Turn.UserMessageID, "the same message is answered again")
		second := completed(t, c.follow(t, regen.Turn.ID, 0).rest())
		require.NotEqual(t, first.MessageID, second.MessageID)

		msgs := c.history(t)
		require.Equal(t, []string{"assistant", "user"}, roles(msgs), "one reply shown: the new one")
		require.Equal(t, second.MessageID, msgs[0].ID)
		require.Equal(t, second.Text, msgs[0].Text)
		require.True(t, msgs[0].Selected)
		require.Equal(t, 2, msgs[0].Alternatives)
		require.Equal(t, 2, msgs[0].AlternativeIndex)
		require.Equal(t, sent.Message.ID, msgs[0].ReplyTo)

		res = c.do("PATCH", "/api/v1/messages/"+first.MessageID, map[string]any{"selected": true})
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		var edited struct {
			Message chatMessage `json:"message"`
		}
		res.json(t, &edited)
		require.Equal(t, first.MessageID, edited.Message.ID)
		require.True(t, edited.Message.Selected)

		msgs = c.history(t)
		require.Equal(t, []string{"assistant", "user"}, roles(msgs))
		require.Equal(t, first.MessageID, msgs[0].ID, "the first reply is shown again")
		require.Equal(t, first.Text, msgs[0].Text)
		require.Equal(t, 2, msgs[0].Alternatives)
		require.Equal(t, 1, msgs[0].AlternativeIndex)
	})
}
