package openaiembed_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaiembed"
	"github.com/companionhub/companionhub/test/contract/embeddertest"
	"github.com/companionhub/companionhub/test/fakes/embedfake"
	"github.com/companionhub/companionhub/usecase/memory"
)

// testKey is the key the tests' fakes demand.
const testKey = "sk-test-0123456789abcdef"

// newEmbedder returns an Embedder talking to s with the key s demands (when it demands one),
// model and the changes of edit.
func newEmbedder(t *testing.T, s *embedfake.Server, model string, edit ...func(*openaiembed.Config)) *openaiembed.Embedder {
	t.Helper()
	c := openaiembed.DefaultConfig()
	c.BaseURL, c.APIKey, c.Model = s.URL(), testKey, model
	for _, e := range edit {
		e(&c)
	}
	e, err := openaiembed.New(c, s.Client())
	require.NoError(t, err)
	return e
}

// TestConformance runs the suite against OpenAI's API as the fake speaks it.
func TestConformance(t *testing.T) {
	t.Parallel()
	embeddertest.Run(t, embeddertest.Harness{
		New: func(t *testing.T) memory.Embedder {
			return newEmbedder(t, embedfake.New(t, embedfake.WithAPIKey(testKey)), embedfake.TextEmbedding3Small)
		},
	})
}

// TestConformanceSmallBatches runs the suite against a local server that takes 16 texts a
// request, without a key, answering vectors last first: the batch of 100 is split, and every
// vector finds its text.
func TestConformanceSmallBatches(t *testing.T) {
	t.Parallel()
	embeddertest.Run(t, embeddertest.Harness{
		New: func(t *testing.T) memory.Embedder {
			fake := embedfake.New(t, embedfake.WithMaxInputs(16), embedfake.WithBehaviour(embedfake.Reversed()))
			return newEmbedder(t, fake, embedfake.NomicEmbedText, func(c *openaiembed.Config) {
				c.BaseURL, c.APIKey, c.BatchSize = fake.RootURL(), "", 16
			})
		},
	})
}
