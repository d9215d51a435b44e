package embeddertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/contract/porttest"
	"github.com/companionhub/companionhub/usecase/memory"
)

// testOrder embeds a batch and each text alone: the batch's i-th vector must point where the
// i-th text's own does, which a backend that reorders its batch (by length, by completion) fails.
func testOrder(t *testing.T, e memory.Embedder) {
	texts := []string{
		"My favourite colour is green.",
		"We met at a concert in Berlin last summer.",
		"Her cat is called Pixel and sleeps all day.",
	}
	batch := embed(t, e, texts...)
	for i, text := range texts {
		alone := embed(t, e, text)
		require.Len(t, alone[0], len(batch[0]), "one embedder gives vectors of one length")
		assert.GreaterOrEqual(t, cosine(batch[i], alone[0]), 0.999, "vector %d is not the one of %q", i, text)
	}
}

func testSameText(t *testing.T, e memory.Embedder) {
	vs := embed(t, e, "The user's birthday is on the 3rd of May.", "The user's birthday is on the 3rd of May.")
	assert.GreaterOrEqual(t, cosine(vs[0], vs[1]), 0.999)
}

func testRelated(t *testing.T, e memory.Embedder) {
	vs := embed(t, e, "I love my sister Anna", "Anna is my sister", "The train to Paris leaves at noon")
	related, unrelated := cosine(vs[0], vs[1]), cosine(vs[0], vs[2])
	assert.Greater(t, related, unrelated,
		"a text about the same person must be closer than one about a train (cosine %.3f vs %.3f)", related, unrelated)
}

func testNoTexts(t *testing.T, e memory.Embedder) {
	for _, texts := range [][]string{nil, {}} {
		vs, err := e.Embed(t.Context(), texts)
		require.NoError(t, err)
		assert.Empty(t, vs)
	}
}

// testBatch embeds 100 distinct memories at once, as a backfill of recall does.
func testBatch(t *testing.T, e memory.Embedder) {
	things := []string{"tea", "rainy days", "jazz", "hiking", "old films", "board games", "sushi"}
	texts := make([]string, 100)
	for i := range texts {
		texts[i] = fmt.Sprintf("Memory %d: the user likes %s.", i+1, things[i%len(things)])
	}
	embed(t, e, texts...)
}

func testCancelled(t *testing.T, e memory.Embedder) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := e.Embed(ctx, []string{"The user's dog is called Biscuit."})
	porttest.RequireCancelled(t, err)
}
