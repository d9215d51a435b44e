package e2e

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

// Memory as a person meets it through the binary, configured by environment variables alone: a
// fake model whose memory extraction (the JSON call whose system prompt keeps "the long-term
// memory") finds a fact, the memories API showing it with the message it came from, the reply
// prompts the fake records carrying what is recalled — pinned memories always, deleted ones never
// — and a wipe that forgets everything and starts the relationship again.

// extractionPrompt is text of the memory extraction's system prompt, and of no other call's.
const extractionPrompt = "long-term memory"

// memoryProfiles are the deployments the memory tests run on: the embedded one, and PostgreSQL
// (full-text search, vectors scored in Go without pgvector) with Redis.
var memoryProfiles = []profile{sqliteProfile, postgresRedisProfile}

// forEachMemoryProfile runs fn as a parallel subtest per memory profile, with that profile's
// environment and the longest recall budget the hub allows (a busy machine's slow recall must not
// cost a reply its memories: what is tested is what is recalled, not how fast).
func forEachMemoryProfile(t *testing.T, fn func(t *testing.T, env map[string]string)) {
	for _, p := range memoryProfiles {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			fn(t, with(p.env(t), "COMPANIONHUB_RECALL_BUDGET", "5s"))
		})
	}
}

// memoryItem is a memory as the API shows it.
type memoryItem struct {
	ID             string     `json:"id"`
	CompanionID    string     `json:"companion_id"`
	Text           string     `json:"text"`
	Category       string     `json:"category"`
	Importance     int        `json:"importance"`
	Pinned         bool       `json:"pinned"`
	SourceMessages []string   `json:"source_message_ids"`
	LastRecalledAt *time.Time `json:"last_recalled_at"`
	RecallCount    int        `json:"recall_count"`
}

// relationship is a companion's affection and trust as the API shows them.
type relationship struct {
	Affection int `json:"affection"`
	Trust     int `json:"trust"`
}

// rememberer is a chatter whose hub talks to a fake model, so that the memories each reply's
// prompt carried can be read from what the fake received.
type rememberer struct {
	*chatter
	fake    *openaifake.Server
	replies int // reply requests the fake has had so far
}

// newRememberer starts a hub on env pointed at fake and signs a person in with a companion.
func newRememberer(t *testing.T, env map[string]string, fake *openaifake.Server) *rememberer {
	t.Helper()
	h := startHub(t, withFake(t, env, fake, ""))
	return &rememberer{chatter: newChatter(t, h, ""), fake: fake}
}

// say sends text, awaits the turn's completion (memory extraction included: it runs before the
// turn completes) and returns the message sent and the memories the reply's prompt carried, in
// order (nil: none). The turn must have asked the model for exactly one reply.
func (r *rememberer) say(t *testing.T, text string) (sentMessage, []string) {
	t.Helper()
	sent := r.send(t, text)
	completed(t, r.follow(t, sent.Turn.ID, 0).rest())
	var replies []openaifake.Request
	for _, req := range r.fake.Requests() {
		if req.Stream {
			replies = append(replies, req)
		}
	}
	require.Len(t, replies, r.replies+1, "one reply request for %q", text)
	r.replies++
	msgs := replies[len(replies)-1].Messages
	require.NotEmpty(t, msgs)
	require.Equal(t, "system", msgs[0].Role)
	return sent, promptMemories(t, msgs[0].Content)
}

// promptMemories is the numbered list under the system prompt's MEMORIES heading (nil: no such
// heading). A prompt carries at most ten.
func promptMemories(t *testing.T, system string) []string {
	t.Helper()
	var out []string
	in := false
	for _, line := range strings.Split(system, "\n") {
		if strings.HasPrefix(line, "MEMORIES (") {
			require.False(t, in, "one MEMORIES section: %s", system)
			in = true
			continue
		}
		if !in {
			continue
		}
		n := len(out) + 1
		text, ok := strings.CutPrefix(line, strconv.Itoa(n)+". ")
		if !ok {
			break
		}
		out = append(out, text)
	}
	if in {
		require.NotEmpty(t, out, "a MEMORIES heading has memories under it: %s", system)
	}
	require.LessOrEqual(t, len(out), 10, "at most ten memories in a prompt")
	return out
}

// memories lists the companion's memories (newest first), or searches them as recall does when
// query is not empty.
func (c *chatter) memories(t *testing.T, query string) []memoryItem {
	t.Helper()
	path := "/api/v1/companions/" + c.companion + "/memories"
	if query != "" {
		path += "?q=" + url.QueryEscape(query)
	}
	res := c.do("GET", path, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var page struct {
		Items []memoryItem `json:"items"`
	}
	res.json(t, &page)
	return page.Items
}

// texts are the texts of mems, in order.
func texts(mems []memoryItem) []string {
	out := make([]string, len(mems))
	for i, m := range mems {
		out[i] = m.Text
	}
	return out
}

// addMemory gives the companion a memory through the API, pinned or not, and returns it.
func (c *chatter) addMemory(t *testing.T, text string, pinned bool) memoryItem {
	t.Helper()
	res := c.do("POST", "/api/v1/companions/"+c.companion+"/memories", map[string]any{"text": text, "pinned": pinned})
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	var m memoryItem
	res.json(t, &m)
	require.Equal(t, text, m.Text)
	require.Equal(t, pinned, m.Pinned)
	require.Empty(t, m.SourceMessages, "the person added it: no message is its source")
	require.Equal(t, "/api/v1/memories/"+m.ID, res.Header.Get("Location"))
	return m
}

// relationship is the companion's relationship as GET /api/v1/companions/{id} shows it.
func (c *chatter) relationship(t *testing.T) relationship {
	t.Helper()
	res := c.do("GET", "/api/v1/companions/"+c.companion, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var out struct {
		Companion struct {
			Relationship relationship `json:"relationship"`
		} `json:"companion"`
	}
	res.json(t, &out)
	return out.Companion.Relationship
}

// zeldaExtraction is what the fake model's memory extraction finds in every exchange: a fact worth
// keeping, one too trivial to keep (importance below 4), and a warmer relationship.
const zeldaExtraction = `{"memories":[` +
	`{"content":"Has a sister named Zelda","category":"personal_fact","importance":8},` +
	`{"content":"Said the weather is nice","category":"event","importance":2}],` +
	`"relationship":{"affection_delta":2,"trust_delta":1}}`

// TestMemoryLearntRecalledAndWiped: a fact the model extracts from an exchange is a memory in the
// API, whose source is the person's message; a later message about it gets it into the reply's
// prompt (the recall recorded on the memory), and the same fact extracted again is not stored
// twice; each exchange warms the relationship. A wipe forgets every memory, pinned too, puts
// affection and trust back to 50, and the next reply's prompt remembers nothing.
func TestMemoryLearntRecalledAndWiped(t *testing.T) {
	t.Parallel()
	forEachMemoryProfile(t, func(t *testing.T, env map[string]string) {
		fake := openaifake.New(t, openaifake.WithJSONReplyWhen(extractionPrompt, zeldaExtraction))
		r := newRememberer(t, env, fake)
		require.Equal(t, relationship{Affection: 50, Trust: 50}, r.relationship(t), "a companion starts at 50")
		require.Empty(t, r.memories(t, ""))

		told, recalled := r.say(t, "My sister Zelda visits next week.")
		require.Nil(t, recalled, "nothing to remember yet")
		mems := r.memories(t, "")
		require.Len(t, mems, 1, "the fact is kept, the trivial one is not: %+v", mems)
		zelda := mems[0]
		require.Equal(t, memoryItem{ID: zelda.ID, CompanionID: r.companion, Text: "Has a sister named Zelda",
			Category: "personal_fact", Importance: 8, SourceMessages: []string{told.Message.ID}}, zelda,
			"learnt from the person's message, not recalled yet")
		require.Equal(t, relationship{Affection: 52, Trust: 51}, r.relationship(t), "the exchange moved the relationship")

		_, recalled = r.say(t, "What should I cook for Zelda?")
		require.Equal(t, []string{"Has a sister named Zelda"}, recalled, "a message about her recalls her")
		mems = r.memories(t, "")
		require.Len(t, mems, 1, "the same fact learnt again is not stored twice: %+v", mems)
		require.Equal(t, zelda.ID, mems[0].ID)
		require.Equal(t, []string{told.Message.ID}, mems[0].SourceMessages)
		require.Equal(t, 1, mems[0].RecallCount, "the recall is recorded")
		require.NotNil(t, mems[0].LastRecalledAt)
		require.Equal(t, []string{"Has a sister named Zelda"}, texts(r.memories(t, "zelda")), "search finds it as recall does")
		require.Equal(t, relationship{Affection: 54, Trust: 52}, r.relationship(t))

		r.addMemory(t, "Is allergic to peanuts", true)
		res := r.do("POST", "/api/v1/companions/"+r.companion+"/wipe", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		require.JSONEq(t, `{"forgotten":2}`, string(res.body))
		require.Empty(t, r.memories(t, ""), "everything is forgotten")
		require.Empty(t, r.memories(t, "zelda"))
		require.Equal(t, relationship{Affection: 50, Trust: 50}, r.relationship(t), "the relationship starts again")

		_, recalled = r.say(t, "Is Zelda still coming next week?")
		require.Nil(t, recalled, "neither the learnt nor the pinned memory reaches the prompt after a wipe")
	})
}

// TestMemoryPinnedAlwaysDeletedNever: a pinned memory is in the prompt of every reply, whatever
// the message; a deleted one — pinned, or recalled by its words before — never again, even when a
// message names what it said. An unpinned memory comes only when a message bears on it.
func TestMemoryPinnedAlwaysDeletedNever(t *testing.T) {
	t.Parallel()
	forEachMemoryProfile(t, func(t *testing.T, env map[string]string) {
		r := newRememberer(t, env, openaifake.New(t)) // its extraction finds nothing
		const peanuts, cello, nurse, garden = "Is allergic to peanuts", "Plays the cello every Sunday",
			"Works night shifts as a nurse", "Grows tomatoes in a rooftop garden"
		r.addMemory(t, peanuts, true)
		celloMem := r.addMemory(t, cello, true)
		r.addMemory(t, nurse, false)
		gardenMem := r.addMemory(t, garden, false)
		require.ElementsMatch(t, []string{peanuts, cello, nurse, garden}, texts(r.memories(t, "")))

		_, recalled := r.say(t, "How was your day?")
		require.ElementsMatch(t, []string{peanuts, cello}, recalled, "the pinned ones, and nothing else bears on it")
		_, recalled = r.say(t, "My tomatoes finally turned red!")
		require.ElementsMatch(t, []string{peanuts, cello, garden}, recalled, "pinned ones, and the one the message is about")

		for _, m := range []memoryItem{celloMem, gardenMem} {
			res := r.do("DELETE", "/api/v1/memories/"+m.ID, nil)
			require.Equal(t, http.StatusNoContent, res.StatusCode, "%s", res.body)
			res = r.do("DELETE", "/api/v1/memories/"+m.ID, nil)
			require.Equal(t, http.StatusNotFound, res.StatusCode, "deleted already: %s", res.body)
		}
		require.ElementsMatch(t, []string{peanuts, nurse}, texts(r.memories(t, "")))

		for _, msg := range []string{"Shall we play the cello together on Sunday?", "My tomatoes need water.",
			"Sleep well!"} {
			_, recalled = r.say(t, msg)
			require.Equal(t, []string{peanuts}, recalled, "%q: the pinned one, never the deleted ones", msg)
		}
		_, recalled = r.say(t, "Another night shift at the hospital, as a nurse.")
		require.ElementsMatch(t, []string{peanuts, nurse}, recalled)
	})
}
