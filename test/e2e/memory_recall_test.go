package e2e

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/embedfake"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

// Recall by meaning as an operator turns it on: an OpenAI-compatible embeddings server named by
// environment variables alone (its key never reaching the logs). Its fake embeds texts as bags of
// words, with "dog" meaning "greyhound", as a real model would have it.

// The memory the recall tests give the companion, and the questions asked about it.
const (
	greyhound = "Owns a greyhound named Biscuit"
	// byMeaning shares no word with greyhound (nor a stem), but means what it is about.
	byMeaning = "How is my dog?"
	// byWord shares a word with greyhound.
	byWord = "Is Biscuit eating well?"
	// unrelated shares neither words nor meaning with it.
	unrelated = "What is the capital of France?"
)

// TestMemoryRecallByMeaning: with an embeddings server, a question sharing no word with a memory
// but meaning the same recalls it into the reply's prompt (and the API's search finds it alike),
// while an unrelated question does not; without one — the default — recall by words still works,
// and the question by meaning recalls nothing.
func TestMemoryRecallByMeaning(t *testing.T) {
	t.Parallel()
	t.Run("embeddings server", func(t *testing.T) {
		t.Parallel()
		forEachMemoryProfile(t, func(t *testing.T, env map[string]string) {
			key := unique("sk-embed")
			embed := embedfake.New(t, embedfake.WithAPIKey(key), embedfake.WithSynonyms(map[string]string{"dog": "greyhound"}))
			r := newRememberer(t, with(env,
				"COMPANIONHUB_EMBEDDINGS_PROVIDER", "openai",
				"COMPANIONHUB_EMBEDDINGS_BASE_URL", embed.URL(),
				"COMPANIONHUB_EMBEDDINGS_MODEL", embedfake.TextEmbedding3Small,
				"COMPANIONHUB_EMBEDDINGS_API_KEY", key,
			), openaifake.New(t))
			r.h.secret(key)
			r.addMemory(t, greyhound, false)
			requireEmbedded(t, embed, key, greyhound)

			_, recalled := r.say(t, byMeaning)
			require.Equal(t, []string{greyhound}, recalled, "recalled by meaning alone")
			requireEmbedded(t, embed, key, byMeaning)
			require.Equal(t, []string{greyhound}, texts(r.memories(t, byMeaning)), "the API's search recalls alike")
			_, recalled = r.say(t, unrelated)
			require.Nil(t, recalled, "a question about something else recalls nothing")
			_, recalled = r.say(t, byWord)
			require.Equal(t, []string{greyhound}, recalled, "words still count")
		})
	})
	t.Run("no embedder", func(t *testing.T) {
		t.Parallel()
		forEachMemoryProfile(t, func(t *testing.T, env map[string]string) {
			r := newRememberer(t, env, openaifake.New(t))
			r.addMemory(t, greyhound, false)

			_, recalled := r.say(t, byWord)
			require.Equal(t, []string{greyhound}, recalled, "recalled by its words")
			require.Equal(t, []string{greyhound}, texts(r.memories(t, byWord)))
			_, recalled = r.say(t, byMeaning)
			require.Nil(t, recalled, "without an embedder, meaning without words is not recalled")
			require.Empty(t, r.memories(t, byMeaning))
		})
	})
}

// TestMemoryRecallAmongMany: of 200 memories, a question about one of them recalls it first, and
// a question all of them bear on gives the prompt ten, not 200.
func TestMemoryRecallAmongMany(t *testing.T) {
	t.Parallel()
	forEachMemoryProfile(t, func(t *testing.T, env map[string]string) {
		r := newRememberer(t, env, openaifake.New(t))
		locker := func(i int) string { return fmt.Sprintf("Keeps locker zx%03d at the harbour", i) }
		for i := range 200 {
			r.addMemory(t, locker(i), false)
		}

		_, recalled := r.say(t, "What is in locker zx137?")
		require.NotEmpty(t, recalled)
		require.Equal(t, locker(137), recalled[0], "the memory asked about comes first: %q", recalled)
		_, recalled = r.say(t, "Shall we walk down to the harbour?")
		require.Len(t, recalled, 10, "every memory bears on it; a prompt carries ten")
	})
}

// requireEmbedded checks that the embeddings server was asked, with its key and the configured
// model, for the vector of text.
func requireEmbedded(t *testing.T, embed *embedfake.Server, key, text string) {
	t.Helper()
	for _, req := range embed.Requests() {
		for _, in := range req.Input {
			if in == text {
				require.Equal(t, embedfake.TextEmbedding3Small, req.Model)
				require.Equal(t, "Bearer "+key, req.Header.Get("Authorization"))
				return
			}
		}
	}
	t.Fatalf("the embeddings server was never asked to embed %q", text)
}
