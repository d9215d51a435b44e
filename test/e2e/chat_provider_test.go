package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

// The pipeline's model calls, in order, on a turn without DeepThink or pictures: the reply
// (streamed, once per attempt) comes first — nothing stands before the first word — then the scene
// analysis over the exchange and memory extraction (JSON mode). A script's behaviours therefore
// meet the reply's attempts first.

// withFake points the hub at the fake by environment variables alone.
func withFake(t *testing.T, env map[string]string, fake *openaifake.Server, apiKey string) map[string]string {
	t.Helper()
	return with(env,
		"COMPANIONHUB_LLM_BASE_URL", fake.URL(),
		"COMPANIONHUB_LLM_MODEL", openaifake.DefaultModel,
		"COMPANIONHUB_LLM_API_KEY", apiKey,
	)
}

// replyRequests are the streamed requests (the reply's attempts); requireReplyAttempts checks that
// the script met the calls it was meant for: the reply's attempts, before any other call.
func requireReplyAttempts(t *testing.T, fake *openaifake.Server, attempts int) []openaifake.Request {
	t.Helper()
	reqs := fake.Requests()
	require.GreaterOrEqual(t, len(reqs), attempts)
	require.True(t, reqs[0].Stream, "the reply comes first: no model call stands before the first word")
	var replies []openaifake.Request
	for i, r := range reqs {
		if !r.Stream {
			require.Equal(t, "json_object", r.ResponseFormat, "request %d: every call but the reply is in JSON mode", i)
			continue
		}
		require.Equal(t, "", r.ResponseFormat, "request %d: the reply is text", i)
		require.Less(t, i, attempts, "the reply's attempts come before any other call")
		replies = append(replies, r)
	}
	require.Len(t, replies, attempts, "attempts of the reply")
	return replies
}

// companionDoc is profileDoc with the given top-level fields replaced.
func companionDoc(t *testing.T, fields map[string]any) string {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(profileDoc), &doc))
	for k, v := range fields {
		doc[k] = v
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	return string(b)
}

// TestChatWithOpenAICompatibleServer: pointed at an OpenAI-compatible server by environment
// variables alone, the same send streams that server's reply; the reply request carries the
// companion's system prompt and the person's message exactly once.
func TestChatWithOpenAICompatibleServer(t *testing.T) {
	t.Parallel()
	forEachChatProfile(t, func(t *testing.T, env map[string]string) {
		const reply = "Sirius, of course. Come to the window and I'll show you where to look."
		apiKey := unique("sk-e2e")
		fake := openaifake.New(t, openaifake.WithReply(reply), openaifake.WithAPIKey(apiKey))
		h := startHub(t, withFake(t, env, fake, apiKey))
		h.secret(apiKey)
		c := newChatter(t, h, companionDoc(t, map[string]any{
			"system_prompt": "{{original}}\n\nHouse rule: stay in character.",
		}))
		const question = "Which star is the brightest tonight?"
		sent := c.send(t, question)

		evs := c.follow(t, sent.Turn.ID, 0).rest()
		requireSequence(t, evs)
		done := completed(t, evs)
		require.Equal(t, reply, done.Text, "the model's reply, as it wrote it")
		require.Equal(t, reply, replyText(t, evs))
		require.Empty(t, ofType(evs, "reset"))
		msgs := c.history(t)
		require.Equal(t, []string{"assistant", "user"}, roles(msgs))
		require.Equal(t, reply, msgs[0].Text)

		r := requireReplyAttempts(t, fake, 1)[0]
		require.Equal(t, openaifake.DefaultModel, r.Model)
		require.Equal(t, "Bearer "+apiKey, r.Header.Get("Authorization"))
		require.NotEmpty(t, r.Messages)
		sys := r.Messages[0]
		require.Equal(t, "system", sys.Role)
		require.True(t, strings.HasPrefix(sys.Content, "You are Mira Vale"), "the persona's prompt stands for {{original}}: %q", sys.Content)
		require.Contains(t, sys.Content, "Occupation: Astronomer.")
		require.True(t, strings.HasSuffix(sys.Content, "House rule: stay in character."), "the card's system prompt: %q", sys.Content)
		asked := 0
		for _, m := range r.Messages {
			asked += strings.Count(m.Content, question)
		}
		require.Equal(t, 1, asked, "the person's message is sent once: %+v", r.Messages)
		require.Equal(t, openaifake.Message{Role: "user", Content: question + "\n\n[Be brief.]"}, r.Messages[len(r.Messages)-1],
			"and it is the last message, with the card's post-history instructions (no system message after the history)")
	})
}

// TestChatRetriesTheReply: a reply whose first attempts fail (the server answers 500, or drops the
// stream midway) reaches the client as one clean reply: whatever a failed attempt streamed is
// followed by a reset, the text after the last reset is the saved reply, and it is saved once.
func TestChatRetriesTheReply(t *testing.T) {
	t.Parallel()
	const reply = "Third time lucky: the clouds have cleared and the whole sky is out."
	// Paced above the hub's 50 ms batching, so the words sent before the cut are published.
	cut := openaifake.Behaviour{Cut: true, CutAfter: 4, TokensPerSecond: 10}
	run := func(t *testing.T, env map[string]string, failures ...openaifake.Behaviour) []sseEvent {
		fake := openaifake.New(t, openaifake.WithReply(reply))
		fake.Script(failures...)
		h := startHub(t, withFake(t, env, fake, ""))
		c := newChatter(t, h, "")
		sent := c.send(t, "Can you see anything?")

		evs := c.follow(t, sent.Turn.ID, 0).rest() // the backoffs are real: 2 s, then about 4 s
		requireSequence(t, evs)
		requireReplyAttempts(t, fake, 3)
		done := completed(t, evs)
		require.Equal(t, reply, done.Text)
		resets := ofType(evs, "reset")
		require.Len(t, resets, 2, "one reset before each retry")
		for i, ev := range resets {
			var r struct {
				Attempt int `json:"attempt"`
			}
			ev.decode(t, &r)
			require.Equal(t, i+2, r.Attempt)
		}
		require.Equal(t, done.Text, replyText(t, evs), "the text after the last reset is the reply")

		msgs := c.history(t)
		require.Equal(t, []string{"assistant", "user"}, roles(msgs), "one reply saved")
		require.Equal(t, reply, msgs[0].Text)
		require.Equal(t, done.MessageID, msgs[0].ID)
		require.Equal(t, "completed", c.turn(t, sent.Turn.ID).Status)
		return evs
	}

	t.Run("500 twice", func(t *testing.T) {
		t.Parallel()
		forEachChatProfile(t, func(t *testing.T, env map[string]string) {
			run(t, env, openaifake.Error(500), openaifake.Error(500))
		})
	})
	t.Run("cut midway then 500", func(t *testing.T) {
		t.Parallel()
		evs := run(t, nil, cut, openaifake.Error(500))
		var before []sseEvent
		for _, ev := range evs {
			if ev.Type == "reset" {
				break
			}
			before = append(before, ev)
		}
		partial := replyText(t, before)
		require.NotEmpty(t, partial, "the first attempt streamed words before it was cut")
		require.True(t, strings.HasPrefix(reply, partial), "%q is the start of the reply", partial)
	})
}

// TestChatModelDown: a model that keeps failing fails the turn after the reply's last attempt,
// with a clear error event that holds none of the provider's text; the person's message stays and
// no reply is written.
func TestChatModelDown(t *testing.T) {
	t.Parallel()
	forEachChatProfile(t, func(t *testing.T, env map[string]string) {
		detail := unique("upstream-detail")
		fake := openaifake.New(t, openaifake.WithBehaviour(openaifake.Error(500)), openaifake.WithErrorMessage(detail))
		h := startHub(t, withFake(t, env, fake, ""))
		c := newChatter(t, h, "")
		sent := c.send(t, "Are you there?")

		evs := c.follow(t, sent.Turn.ID, 0).rest()
		requireSequence(t, evs)
		requireReplyAttempts(t, fake, 3)
		e := failed(t, evs)
		require.Equal(t, "unavailable", e.Code)
		require.Contains(t, e.Message, "model", "the message says what went wrong: %q", e.Message)
		for _, leak := range []string{detail, "500", "server_error", "fake"} {
			require.NotContains(t, e.Message, leak, "provider text never reaches the client")
		}
		require.Empty(t, ofType(evs, "state"), "nothing was saved")
		require.Len(t, ofType(evs, "reset"), 2)

		turn := c.turn(t, sent.Turn.ID)
		require.Equal(t, "failed", turn.Status)
		require.Equal(t, &e, turn.Error)
		require.Empty(t, turn.ReplyID)
		msgs := c.history(t)
		require.Equal(t, []string{"user"}, roles(msgs), "the message stays; no reply is written")
		require.Equal(t, sent.Message.ID, msgs[0].ID)
	})
}
