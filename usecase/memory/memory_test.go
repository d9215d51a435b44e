package memory_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/test/clocktest"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

type world struct {
	store *fakeStore
	rel   *fakeRelationships
	model *scriptModel
	clock *clocktest.Clock
	app   *memoryuc.App
	owner domain.ID
	comp  domain.ID
}

var start = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func newWorld(t *testing.T, emb memoryuc.Embedder) *world {
	t.Helper()
	return newWorldPausing(t, emb, nil)
}

// newWorldPausing is newWorld whose embedding retries wait with pause.
func newWorldPausing(t *testing.T, emb memoryuc.Embedder, pause func(context.Context, time.Duration) bool) *world {
	t.Helper()
	w := &world{store: newStore(), rel: &fakeRelationships{}, model: &scriptModel{}, clock: clocktest.New(start),
		owner: domain.NewID(start)}
	p, err := companion.NewProfile(companion.ProfileSpec{Name: "Mira", Age: 25, ContentRating: companion.RatingGeneral})
	require.NoError(t, err)
	c := companion.New(domain.NewID(start), w.owner, p, start)
	w.comp = c.ID()
	app, err := memoryuc.NewApp(memoryuc.Deps{Store: w.store, Model: w.model, Companions: fakeCompanions{c.ID(): c},
		Relationships: w.rel, Clock: w.clock, Embedder: emb, EmbedderName: "words", Pause: pause})
	require.NoError(t, err)
	w.app = app
	return w
}

func (w *world) add(t *testing.T, text string, importance int, pinned bool) memory.Memory {
	t.Helper()
	m, err := w.app.Add.Handle(context.Background(), memoryuc.Add{OwnerID: w.owner, CompanionID: w.comp,
		Spec: memory.Spec{Text: text, Category: memory.PersonalFact, Importance: importance, Pinned: pinned}})
	require.NoError(t, err)
	w.clock.Advance(time.Minute)
	return m
}

func (w *world) recall(t *testing.T, query string) []string {
	t.Helper()
	got, err := w.app.Recall.Handle(context.Background(), memoryuc.Recall{OwnerID: w.owner, CompanionID: w.comp, Query: query, Limit: 10})
	require.NoError(t, err)
	return got
}

func TestRecallFindsWhatTheMessageIsAboutAndPinnedAlways(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	zelda := w.add(t, "Has a sister named Zelda", 7, false)
	w.add(t, "Likes green tea", 5, false)
	w.add(t, "Allergic to cats", 9, true)
	for i := range 30 {
		w.add(t, "Visited the museum number "+strings.Repeat("x", i+1), 4, false)
	}

	got := w.recall(t, "Zelda is coming over next week!")
	require.Equal(t, []string{"Allergic to cats", "Has a sister named Zelda"}, got, "the pinned one, then what the message is about — nothing unrelated")
	require.Contains(t, w.store.recalled, zelda.ID, "a recall is recorded")

	got = w.recall(t, "what should we do today?")
	require.Equal(t, []string{"Allergic to cats"}, got, "stop words find nothing; the pinned memory is always there")

	got = w.recall(t, "the museum again")
	require.Len(t, got, 10, "at most ten")
}

func TestRecallByMeaningWithAnEmbedder(t *testing.T) {
	t.Parallel()
	w := newWorld(t, wordVectors{synonyms: map[string]string{"sibling": "sister"}})
	w.add(t, "Has a sister", 7, false)
	require.Empty(t, newWorldRecall(t, "my sibling"), "control: without an embedder, no shared word, nothing")
	require.Equal(t, []string{"Has a sister"}, w.recall(t, "my sibling"), "the same meaning, no shared word")
}

func newWorldRecall(t *testing.T, q string) []string {
	w := newWorld(t, nil)
	w.add(t, "Has a sister", 7, false)
	return w.recall(t, q)
}

func TestRememberAndForgetAreDoneBeforeTheReply(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	got := w.recall(t, "Remember that my birthday is on March 3rd.")
	require.Len(t, got, 1)
	require.Contains(t, got[0], "asked to remember")
	mems, err := w.app.List.Handle(context.Background(), memoryuc.List{Filter: memory.Filter{OwnerID: w.owner, CompanionID: w.comp}})
	require.NoError(t, err)
	require.Len(t, mems.Memories, 1)
	require.Equal(t, "my birthday is on March 3rd", mems.Memories[0].Text)

	got = w.recall(t, "please forget about my birthday")
	require.Contains(t, got[0], "asked to forget")
	mems, err = w.app.List.Handle(context.Background(), memoryuc.List{Filter: memory.Filter{OwnerID: w.owner, CompanionID: w.comp}})
	require.NoError(t, err)
	require.Empty(t, mems.Memories)

	require.NotContains(t, strings.Join(w.recall(t, "forget about the weather"), " "), "forget", "nothing matching: nothing forgotten, nothing said")
}

func TestLearnKeepsWhatMattersOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	paris := w.add(t, "Lives in Paris", 6, true)
	w.model.answer = "Sure:\n```json\n" + `{"Memories":[
		{"content":"Has a sister named Zelda","category":"personal_fact","importance":8},
		{"content":"Moved to Lyon","category":"personal_fact","importance":"7","replaces":1},
		{"content":"Is wearing a red shirt","category":"event","importance":2},
		{"content":"lives in paris","category":"personal_fact","importance":6},
		{"content":"Likes jazz","category":"taste","importance":5}
	],"relationship":{"affectionDelta":5,"trust_delta":-1}}` + "\n```"
	user := chat.Message{ID: domain.NewID(start), Text: "My sister Zelda visits next week; I moved to Lyon, Paris was too loud."}
	_, err := w.app.Learn.Handle(context.Background(), memoryuc.Learn{OwnerID: w.owner, CompanionID: w.comp, UserMessage: user,
		Reply: chat.Message{Text: "Lyon! How exciting."}})
	require.NoError(t, err)

	require.Contains(t, w.model.reqs[0].Messages[1].Content, "1. Lives in Paris", "the model sees what it may replace")
	page, err := w.app.List.Handle(context.Background(), memoryuc.List{Filter: memory.Filter{OwnerID: w.owner, CompanionID: w.comp}})
	require.NoError(t, err)
	texts := map[string]memory.Memory{}
	for _, m := range page.Memories {
		texts[m.Text] = m
	}
	require.Len(t, texts, 3, "%v", texts)
	require.Contains(t, texts, "Has a sister named Zelda")
	require.Equal(t, []domain.ID{user.ID}, texts["Has a sister named Zelda"].Sources, "it says why it exists")
	lyon, ok := texts["Moved to Lyon"]
	require.True(t, ok, "the newer value replaced the old")
	require.Equal(t, paris.ID, lyon.ID)
	require.True(t, lyon.Pinned, "a replaced memory keeps its pin")
	require.Equal(t, memory.PersonalFact, texts["Likes jazz"].Category, "an unknown category is a personal fact")
	require.Equal(t, [][2]int{{5, -1}}, w.rel.moves, "the deltas go to the relationship, which clamps them")
}

func TestLearnWithNothingUsableIsNoFailure(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.model.answer = "I could not find anything worth remembering."
	_, err := w.app.Learn.Handle(context.Background(), memoryuc.Learn{OwnerID: w.owner, CompanionID: w.comp,
		UserMessage: chat.Message{Text: "hi"}, Reply: chat.Message{Text: "hello"}})
	require.NoError(t, err)
	require.Empty(t, w.store.mems)
	require.Equal(t, [][2]int{{0, 0}}, w.rel.moves)
}

func TestThePersonEditsAndWipes(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	m := w.add(t, "Likes green tea", 5, false)
	_, err := w.app.Add.Handle(context.Background(), memoryuc.Add{OwnerID: w.owner, CompanionID: w.comp,
		Spec: memory.Spec{Text: "likes  GREEN tea!", Category: memory.Preference, Importance: 5}})
	require.ErrorIs(t, err, memoryuc.ErrKnown, "the same fact twice is refused")

	text, pin := "Likes oolong tea", true
	edited, err := w.app.Edit.Handle(context.Background(), memoryuc.Edit{OwnerID: w.owner, ID: m.ID,
		Change: memoryuc.Change{Text: &text, Pinned: &pin}})
	require.NoError(t, err)
	require.Equal(t, "Likes oolong tea", edited.Text)
	require.True(t, edited.Pinned)
	require.Equal(t, 5, edited.Importance, "what the change leaves out stays")

	_, err = w.app.Edit.Handle(context.Background(), memoryuc.Edit{OwnerID: domain.NewID(start), ID: m.ID, Change: memoryuc.Change{Pinned: &pin}})
	require.ErrorIs(t, err, memory.ErrNotFound, "another person's memory is not found")
	_, err = w.app.Add.Handle(context.Background(), memoryuc.Add{OwnerID: domain.NewID(start), CompanionID: w.comp,
		Spec: memory.Spec{Text: "x y z", Category: memory.Event, Importance: 5}})
	require.ErrorIs(t, err, companion.ErrNotFound, "nor can they add to another's companion")

	w.add(t, "Has a dog", 6, false)
	n, err := w.app.Wipe.Handle(context.Background(), memoryuc.Wipe{OwnerID: w.owner, CompanionID: w.comp})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Equal(t, []int{2}, w.rel.forgot, "the relationship starts again, audited")
	require.Empty(t, w.store.mems)
}

// With an embedder, a memory meaning the same as one the companion has — or as one learnt in the
// same exchange — is not stored again.
func TestLearnSkipsTheSameMeaning(t *testing.T) {
	t.Parallel()
	w := newWorld(t, wordVectors{synonyms: map[string]string{"called": "named", "pup": "dog"}})
	w.add(t, "Has a dog named Rex", 6, false)
	w.model.answer = `{"memories":[
		{"content":"Has a pup called Rex","category":"personal_fact","importance":6},
		{"content":"Works as a nurse","category":"personal_fact","importance":6},
		{"content":"Works as a nurse!","category":"personal_fact","importance":6},
		{"content":"A nurse, works as","category":"personal_fact","importance":6}]}`
	_, err := w.app.Learn.Handle(context.Background(), memoryuc.Learn{OwnerID: w.owner, CompanionID: w.comp,
		UserMessage: chat.Message{ID: domain.NewID(start), Text: "I work as a nurse; my pup Rex says hi"}, Reply: chat.Message{Text: "Hi Rex!"}})
	require.NoError(t, err)
	page, err := w.app.List.Handle(context.Background(), memoryuc.List{Filter: memory.Filter{OwnerID: w.owner, CompanionID: w.comp}})
	require.NoError(t, err)
	var texts []string
	for _, m := range page.Memories {
		texts = append(texts, m.Text)
	}
	require.ElementsMatch(t, []string{"Has a dog named Rex", "Works as a nurse"}, texts)
}

// flakyEmbedder fails its first calls with fail, then embeds as wordVectors.
type flakyEmbedder struct {
	wordVectors
	mu    sync.Mutex
	fails []error
	calls int
}

func (e *flakyEmbedder) Embed(ctx context.Context, texts []string) ([]memoryuc.Vector, error) {
	e.mu.Lock()
	e.calls++
	var err error
	if len(e.fails) > 0 {
		err, e.fails = e.fails[0], e.fails[1:]
	}
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return e.wordVectors.Embed(ctx, texts)
}

// TestAMemorysEmbeddingIsTriedAgainAfterAPassingFailure: nothing embeds a memory later, so a busy
// or unavailable service gets one more try after the wait it asks for — but not one that asks for
// long, not a timeout, and not a refusal; the memory is kept either way, found by its meaning only
// when it has its vector.
func TestAMemorysEmbeddingIsTriedAgainAfterAPassingFailure(t *testing.T) {
	t.Parallel()
	busy := domain.E(domain.KindRateLimited, "embedding_rate_limited", "busy")
	for name, tc := range map[string]struct {
		fails []error
		calls int
		waits []time.Duration
		found bool
	}{
		"busy, no wait named":     {fails: []error{busy}, calls: 2, waits: []time.Duration{250 * time.Millisecond}, found: true},
		"busy for 800 ms":         {fails: []error{busy.WithRetryAfter(800 * time.Millisecond)}, calls: 2, waits: []time.Duration{800 * time.Millisecond}, found: true},
		"unavailable":             {fails: []error{domain.E(domain.KindUnavailable, "embedding_unavailable", "down")}, calls: 2, waits: []time.Duration{250 * time.Millisecond}, found: true},
		"busy twice":              {fails: []error{busy, busy}, calls: 2, waits: []time.Duration{250 * time.Millisecond}, found: false},
		"busy for a minute":       {fails: []error{busy.WithRetryAfter(time.Minute)}, calls: 1, found: false},
		"timed out":               {fails: []error{domain.E(domain.KindUnavailable, "embedding_timeout", "slow").Wrap(context.DeadlineExceeded)}, calls: 1, found: false},
		"refused (not retryable)": {fails: []error{domain.E(domain.KindInternal, "embedding_auth", "key")}, calls: 1, found: false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			emb := &flakyEmbedder{wordVectors: wordVectors{synonyms: map[string]string{"sibling": "sister"}}, fails: tc.fails}
			var waits []time.Duration
			w := newWorldPausing(t, emb, func(_ context.Context, d time.Duration) bool {
				waits = append(waits, d)
				return true
			})
			w.add(t, "Has a sister", 7, false)
			require.Equal(t, tc.calls, emb.calls, "embedding calls for the memory")
			require.Equal(t, tc.waits, waits, "the waits before trying again")
			found := slices.Contains(w.recall(t, "my sibling"), "Has a sister")
			require.Equal(t, tc.found, found, "found by its meaning (no shared word)")
		})
	}
}
