package chattest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	"github.com/companionhub/companionhub/usecase/llm"
)

// remembering is the scripted model with a memory extractor: its extraction calls (the JSON calls
// whose instructions keep a long-term memory) are answered with the next scripted extraction.
type remembering struct {
	*scripted
	mu          sync.Mutex
	extractions []string
}

func (m *remembering) Complete(ctx context.Context, req llm.Request) (string, llm.Usage, error) {
	if req.JSON && len(req.Messages) > 0 && strings.Contains(req.Messages[0].Content, "long-term memory") {
		m.mu.Lock()
		defer m.mu.Unlock()
		if len(m.extractions) == 0 {
			return `{"memories":[]}`, llm.Usage{}, nil
		}
		a := m.extractions[0]
		m.extractions = m.extractions[1:]
		return a, llm.Usage{}, nil
	}
	return m.scripted.Complete(ctx, req)
}

// memoryWorld is a world whose model extracts what it is told to.
func memoryWorld(t *testing.T, extractions ...string) (*world, *remembering) {
	t.Helper()
	db := sqlitetest.Open(t)
	m := &remembering{scripted: newScripted(), extractions: extractions}
	env := chattest.New(t, db, chattest.Options{Model: m})
	owner, comp := chattest.NewCompanion(t, db, companion.ProfileSpec{})
	return &world{db: db, env: env, model: m.scripted, owner: owner, comp: comp}, m
}

// lastPrompt is the system prompt of the last reply the model was asked for.
func (w *world) lastPrompt(t *testing.T) string {
	t.Helper()
	reqs := w.model.streamed()
	require.NotEmpty(t, reqs)
	return reqs[len(reqs)-1].Messages[0].Content
}

func (w *world) memories(t *testing.T) []memory.Memory {
	t.Helper()
	list, _, err := sqlstore.MemoryStore(w.db).List(context.Background(), memory.Filter{OwnerID: w.owner, CompanionID: w.comp}, pageOf(100))
	require.NoError(t, err)
	return list
}

// After "my sister Zelda visits next week" the memory is kept, with its source; a later message
// about her brings it into the reply's prompt; the exchange moved the relationship.
func TestTheCompanionRemembersWhatMatters(t *testing.T) {
	t.Parallel()
	w, _ := memoryWorld(t, `{"memories":[{"content":"Has a sister named Zelda who visits next week","category":"personal_fact","importance":8},
		{"content":"Said hello","category":"event","importance":2}],"relationship":{"affection_delta":2,"trust_delta":1}}`)
	before := w.companion(t).Relationship()
	sent := w.send(t, "My sister Zelda visits next week!")
	w.follow(t, sent.Turn.ID(), 0)

	mems := w.memories(t)
	require.Len(t, mems, 1, "only what is worth keeping")
	require.Equal(t, "Has a sister named Zelda who visits next week", mems[0].Text)
	require.Equal(t, sent.Message.ID, mems[0].Sources[0], "it says why it exists")
	after := w.companion(t).Relationship()
	require.Equal(t, companion.Relationship{Affection: before.Affection + 2, Trust: before.Trust + 1}, after)

	sent = w.send(t, "What should I cook for Zelda?")
	w.follow(t, sent.Turn.ID(), 0)
	require.Contains(t, w.lastPrompt(t), "Has a sister named Zelda who visits next week")
	mems = w.memories(t)
	require.Equal(t, 1, mems[0].RecallCount, "a recall is recorded")
}

// A pinned memory is in every reply's prompt; a deleted one never again. Of 200 memories a
// question about one recalls it, and a prompt carries at most ten.
func TestPinnedDeletedAndAtMostTen(t *testing.T) {
	t.Parallel()
	w, _ := memoryWorld(t)
	store := sqlstore.MemoryStore(w.db)
	clock := clocktest.New(w.companion(t).UpdatedAt())
	add := func(text string, pinned bool) memory.Memory {
		clock.Advance(1)
		m, err := memory.New(newID(clock), w.owner, w.comp, memory.Spec{Text: text, Category: memory.Preference, Importance: 5, Pinned: pinned}, nil, clock.Now())
		require.NoError(t, err)
		require.NoError(t, store.Create(context.Background(), m))
		return m
	}
	pinned := add("Is allergic to peanuts", true)
	for i := range 199 {
		add(fmt.Sprintf("Enjoys board game number %d on rainy evenings", i), false)
	}
	kite := add("Flies a red kite at the beach every Sunday", false)

	sent := w.send(t, "Is the weather good for the kite this Sunday?")
	w.follow(t, sent.Turn.ID(), 0)
	prompt := w.lastPrompt(t)
	require.Contains(t, prompt, pinned.Text, "pinned: always")
	require.Contains(t, prompt, kite.Text, "the one the question is about")

	sent = w.send(t, "Let's play a board game tonight, maybe game number 7 or 12 or 42?")
	w.follow(t, sent.Turn.ID(), 0)
	require.LessOrEqual(t, strings.Count(w.lastPrompt(t), "Enjoys board game number"), 9, "at most ten memories, the pinned one among them")

	require.NoError(t, store.Delete(context.Background(), w.owner, pinned.ID))
	sent = w.send(t, "anything new?")
	w.follow(t, sent.Turn.ID(), 0)
	require.NotContains(t, w.lastPrompt(t), pinned.Text, "deleted: never again")
}

// "Remember that …" is kept before the reply, which is told so.
func TestRememberThatIsDoneInTheSameTurn(t *testing.T) {
	t.Parallel()
	w, _ := memoryWorld(t)
	sent := w.send(t, "Remember that my cat is called Miso.")
	w.follow(t, sent.Turn.ID(), 0)
	require.Contains(t, w.lastPrompt(t), "asked to remember this, and you will: my cat is called Miso")
	mems := w.memories(t)
	require.Len(t, mems, 1)
	require.Equal(t, "my cat is called Miso", mems[0].Text)
}

func pageOf(n int) domain.Page { return domain.Page{Limit: n} }

func newID(c *clocktest.Clock) domain.ID { return domain.NewID(c.Now()) }

// An imported card's lorebook entry enters the reply's prompt only when its key is mentioned, with
// the card's macros expanded; a constant entry always does.
func TestALorebookEntryComesWhenItsKeyIsMentioned(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t)
	m := newScripted()
	env := chattest.New(t, db, chattest.Options{Model: m})
	owner, comp := chattest.NewCompanion(t, db, companion.ProfileSpec{Name: "Vale", Age: 30,
		Card: companion.CardData{CharacterBook: []byte(`{"entries":[
			{"keys":["Ironhold"],"content":"Ironhold is the fortress where {{char}} grew up.","insertion_order":1},
			{"keys":[],"constant":true,"content":"Magic is rare and feared.","insertion_order":0}]}`)}})
	w := &world{db: db, env: env, model: m, owner: owner, comp: comp}

	sent := w.send(t, "How was your day?")
	w.follow(t, sent.Turn.ID(), 0)
	require.Contains(t, w.lastPrompt(t), "Magic is rare and feared.")
	require.NotContains(t, w.lastPrompt(t), "fortress", "not mentioned: not there")

	sent = w.send(t, "Tell me about Ironhold.")
	w.follow(t, sent.Turn.ID(), 0)
	require.Contains(t, w.lastPrompt(t), "Ironhold is the fortress where Vale grew up.")
}
