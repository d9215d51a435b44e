package faults_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/test/fakes/embedfake"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

// embedFault is a fault of the embeddings provider.
type embedFault struct {
	name  string
	fault embedfake.Behaviour
	kind  domain.Kind // of the failed calls
	// reason, when set, is the failed calls': a hang must be ended by the hub's deadline.
	reason string
}

func embedFaultTable() []embedFault {
	return []embedFault{
		{name: "429 with Retry-After", fault: embedfake.RateLimited("3"), kind: domain.KindRateLimited},
		{name: "429 without Retry-After", fault: embedfake.RateLimited(""), kind: domain.KindRateLimited},
		{name: "500", fault: embedfake.Error(http.StatusInternalServerError), kind: domain.KindUnavailable},
		{name: "502", fault: embedfake.Error(http.StatusBadGateway), kind: domain.KindUnavailable},
		{name: "503", fault: embedfake.Error(http.StatusServiceUnavailable), kind: domain.KindUnavailable},
		{name: "hang", fault: embedfake.Hang(), kind: domain.KindUnavailable, reason: "embedding_timeout"},
		{name: "malformed JSON", fault: embedfake.Malformed(), kind: domain.KindUnavailable},
		{name: "oversized answer", fault: embedfake.Oversized(oversizedAnswer), kind: domain.KindUnavailable},
		{name: "wrong Content-Type", fault: embedfake.WrongContentType(), kind: domain.KindUnavailable},
	}
}

// What the companion knows before the turn, what the model extracts from it, and the message that
// bears on the one and tells the other.
const (
	knownFact   = "Has a sister named Zelda"
	learntFact  = "Has a dog named Biscuit"
	extraction  = `{"memories":[{"content":"` + learntFact + `","category":"personal_fact","importance":7}],"relationship":{"affection_delta":1,"trust_delta":0}}`
	memoryTopic = "My sister Zelda visits next week, and she will meet Biscuit, my new dog!"
)

// embeddingFaults injects each fault into every embeddings request of a turn — the recall's, before
// the reply, and the memory extraction's, after it. Meaning is a bonus to memory: the turn has no
// step of its own for the embedder, so recall carries on without it, and a new memory's embedding
// is tried once more only after a passing failure that asks for a short wait (usecase/memory),
// which fails again here. The reply is complete;
// recall finds by words what it would have found by meaning; what is learnt is kept, without its
// vector; and the failures are told to the provider metrics and traces, not to the person.
func embeddingFaults(t *testing.T, served *tally) {
	for _, f := range embedFaultTable() {
		t.Run(f.name+"/always", func(t *testing.T) {
			t.Parallel()
			memoryCarriesOn(t, served, f)
		})
	}
}

func memoryCarriesOn(t *testing.T, served *tally, f embedFault) {
	h := newHub(t, fakeOptions{
		llm:   []openaifake.Option{openaifake.WithJSONReplyWhen("long-term memory", extraction)},
		embed: []embedfake.Option{embedfake.WithBehaviour(f.fault)},
	})
	memories := sqlstore.MemoryStore(h.db)
	now := time.Now()
	spec, err := memory.Spec{Text: knownFact, Category: memory.PersonalFact, Importance: 8}.Check()
	require.NoError(t, err)
	known, err := memory.New(domain.NewID(now), h.owner, h.companion, spec, nil, now)
	require.NoError(t, err)
	require.NoError(t, memories.Create(t.Context(), known))

	sent := h.send(t, memoryTopic, chat.Options{})
	events := h.follow(t, sent.Turn.ID())
	requireReplyKept(t, h, sent, events)
	for _, e := range events {
		require.NotEqual(t, chat.EventError, e.Type, "a failed embedding is not the person's to hear of")
	}
	requireNothingLeaks(t, h, events)

	reply := h.streamed()
	require.Len(t, reply, 1)
	require.Contains(t, reply[0].Messages[0].Content, knownFact, "recall found the memory by its words")

	list, _, err := memories.List(t.Context(), memory.Filter{OwnerID: h.owner, CompanionID: h.companion}, firstPage(t))
	require.NoError(t, err)
	texts := make([]string, 0, len(list))
	for _, m := range list {
		texts = append(texts, m.Text)
	}
	require.ElementsMatch(t, []string{knownFact, learntFact}, texts, "what the exchange taught is kept")
	near, err := memories.Nearest(t.Context(), h.owner, h.companion, "openai:"+embedModel,
		h.embed.Vector(embedModel, learntFact), -1, 10)
	require.NoError(t, err)
	require.Empty(t, near, "no vector was kept from a failed embedding")

	requests := h.embed.Requests()
	calls := h.calls.of("embeddings")
	require.Len(t, calls, len(requests), "each call reached the provider once")
	var recalled, learnt bool
	for i, r := range requests {
		require.Len(t, r.Input, 1)
		recalled = recalled || r.Input[0] == memoryTopic
		learnt = learnt || r.Input[0] == learntFact
		requireFailedCall(t, calls[i], f.kind, f.reason)
	}
	require.True(t, recalled, "the recall asked for the message's meaning: %v", inputs(requests))
	require.True(t, learnt, "the extraction asked for the new memory's meaning: %v", inputs(requests))
	requireBoundedRead(t, f.fault.Oversized, len(requests), h.embed.OversizedEnded, h.embed.OversizedWritten)
	require.Empty(t, h.pauses.all(), "nothing was retried")
	served.add(t, "embeddings", len(requests))
	t.Logf("embeddings %s always: %d calls failed (%s), reply complete, recall by words, memory kept without its vector",
		f.name, len(calls), f.kind)
}

func inputs(rs []embedfake.Request) string {
	var out []string
	for _, r := range rs {
		out = append(out, strings.Join(r.Input, "|"))
	}
	return strings.Join(slices.Compact(out), "; ")
}

func firstPage(t *testing.T) domain.Page {
	t.Helper()
	p, err := domain.NewPage("", 100)
	require.NoError(t, err)
	return p
}
