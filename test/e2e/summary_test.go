package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

// summaryPrompt is text of the running summary's system prompt, and of no other call's.
const summaryPrompt = "running summary"

// summaryView is a companion's running summary as the API shows it.
type summaryView struct {
	Text             string `json:"text"`
	ThroughMessageID string `json:"through_message_id"`
	Messages         int    `json:"messages"`
	Stale            bool   `json:"stale"`
}

// summary reads the companion's summary; ok is false while it has none (404 no_summary).
func (c *chatter) summary(t *testing.T) (s summaryView, ok bool) {
	t.Helper()
	res := c.do("GET", "/api/v1/companions/"+c.companion+"/summary", nil)
	if res.StatusCode == http.StatusNotFound {
		require.Equal(t, "no_summary", res.apiError(t).Details.Reason)
		return s, false
	}
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	res.json(t, &s)
	return s, true
}

// TestLongConversationSummarised: on a hub with a small history window, a conversation that
// outgrows it gets a running summary, made by the model after a reply and shown by the API, and
// the next reply's prompt carries it ahead of the history that fits, which no longer holds the
// first message. Editing that message makes the summary stale — the API says so, and the next
// prompt goes without it — and that reply's summary step makes it again from the edited
// conversation.
func TestLongConversationSummarised(t *testing.T) {
	t.Parallel()
	forEachMemoryProfile(t, func(t *testing.T, env map[string]string) {
		const told = "Alex told Mira about the lighthouse where his grandfather worked."
		fake := openaifake.New(t, openaifake.WithReplyWhen(summaryPrompt, told))
		r := newRememberer(t, with(env, "COMPANIONHUB_LLM_HISTORY_TOKENS", "150"), fake)
		_, ok := r.summary(t)
		require.False(t, ok, "no summary before the conversation outgrows the window")

		first, _ := r.say(t, "The lighthouse on the cape is where my grandfather worked.")
		var s summaryView
		for i := 1; !ok; i++ {
			require.Less(t, i, 40, "a conversation this long has outgrown the window")
			r.say(t, fmt.Sprintf("Tell me more about your day, part %d.", i))
			s, ok = r.summary(t)
		}
		require.Equal(t, told, s.Text)
		require.False(t, s.Stale)
		require.GreaterOrEqual(t, s.Messages, 8, "made once a few messages left the window")
		summarised := r.summaryCalls(t)
		require.Contains(t, summarised[0], "The lighthouse on the cape", "the first message is what it summarised")

		r.say(t, "Do you remember where my grandfather worked?")
		system, history := r.lastPrompt(t)
		require.Contains(t, system, "EARLIER IN YOUR CONVERSATION (a summary of what came before the messages below)\n"+told)
		require.NotContains(t, history, "The lighthouse on the cape", "the first message itself left the window")

		res := r.do("PATCH", "/api/v1/messages/"+first.Message.ID, map[string]any{"text": "The mill by the river is where my grandfather worked."})
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		s, ok = r.summary(t)
		require.True(t, ok)
		require.True(t, s.Stale, "a message it tells of was edited")

		r.say(t, "And today?")
		system, _ = r.lastPrompt(t)
		require.NotContains(t, system, "EARLIER IN YOUR CONVERSATION", "a stale summary is in no prompt")
		again := r.summaryCalls(t)
		require.Len(t, again, len(summarised)+1, "that reply's summary step made it again")
		require.Contains(t, again[len(again)-1], "The mill by the river", "from the edited conversation")
		require.NotContains(t, again[len(again)-1], "SUMMARY SO FAR", "starting over")
		s, ok = r.summary(t)
		require.True(t, ok)
		require.False(t, s.Stale)
	})
}

// summaryCalls are the prompts (the user message) of the summary calls the fake has had, in order.
func (r *rememberer) summaryCalls(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, req := range r.fake.Requests() {
		if !req.Stream && len(req.Messages) == 2 && strings.Contains(req.Messages[0].Content, summaryPrompt) {
			out = append(out, req.Messages[1].Content)
		}
	}
	return out
}

// lastPrompt is the system prompt of the last reply request, and the rest of its messages joined.
func (r *rememberer) lastPrompt(t *testing.T) (system, history string) {
	t.Helper()
	var last openaifake.Request
	for _, req := range r.fake.Requests() {
		if req.Stream {
			last = req
		}
	}
	require.NotEmpty(t, last.Messages)
	var b strings.Builder
	for _, m := range last.Messages[1:] {
		b.WriteString(m.Content + "\n")
	}
	return last.Messages[0].Content, b.String()
}
