package openaiembed_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaiembed"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/fakes/embedfake"
	"github.com/companionhub/companionhub/usecase/memory"
)

var texts = []string{"My favourite colour is green.", "Her cat is called Pixel.", "We met in Berlin."}

// TestRequestShape: one request with the texts in order, floats asked for, the key as a bearer
// token, and nothing the API does not know.
func TestRequestShape(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t, embedfake.WithAPIKey(testKey))
	vs, err := newEmbedder(t, fake, embedfake.TextEmbedding3Small).Embed(t.Context(), texts)
	require.NoError(t, err)
	require.Len(t, vs, 3)
	for i, text := range texts {
		assert.Equal(t, memory.Vector(fake.Vector(embedfake.TextEmbedding3Small, text)), vs[i], text)
	}

	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, "/v1/embeddings", r.Path)
	assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, []string{"encoding_format", "input", "model"}, r.Params)
	assert.Equal(t, embedfake.TextEmbedding3Small, r.Model)
	assert.Equal(t, texts, r.Input)
	require.NotNil(t, r.EncodingFormat)
	assert.Equal(t, "float", *r.EncodingFormat)
}

// TestDimensions: a length asked for is sent, and is part of the name.
func TestDimensions(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t, embedfake.WithAPIKey(testKey))
	e := newEmbedder(t, fake, embedfake.TextEmbedding3Large, func(c *openaiembed.Config) { c.Dimensions = 32 })
	vs, err := e.Embed(t.Context(), texts[:1])
	require.NoError(t, err)
	assert.Len(t, vs[0], 32)
	require.NotNil(t, fake.Requests()[0].Dimensions)
	assert.Equal(t, 32, *fake.Requests()[0].Dimensions)
	assert.Equal(t, "openai:text-embedding-3-large@32", e.Name())
	assert.Equal(t, "openai:nomic-embed-text", newEmbedder(t, fake, embedfake.NomicEmbedText).Name())
}

// TestBatching: a call larger than BatchSize is sent in requests of at most BatchSize texts, in
// order, and its vectors come back in the texts' order.
func TestBatching(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t, embedfake.WithMaxInputs(64))
	many := make([]string, 150)
	for i := range many {
		many[i] = fmt.Sprintf("memory number %d", i)
	}
	vs, err := newEmbedder(t, fake, embedfake.NomicEmbedText).Embed(t.Context(), many)
	require.NoError(t, err)
	require.Len(t, vs, 150)
	for i, text := range many {
		assert.Equal(t, memory.Vector(fake.Vector(embedfake.NomicEmbedText, text)), vs[i], text)
	}
	var sizes []int
	var sent []string
	for _, r := range fake.Requests() {
		sizes = append(sizes, len(r.Input))
		sent = append(sent, r.Input...)
	}
	assert.Equal(t, []int{64, 64, 22}, sizes)
	assert.Equal(t, many, sent)

	_, err = newEmbedder(t, fake, embedfake.NomicEmbedText, func(c *openaiembed.Config) { c.BatchSize = 100 }).Embed(t.Context(), many)
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "a server refusing the batch: BatchSize is too large for it")
}

// TestOrderByIndex: vectors answered in another order are put in the texts' order.
func TestOrderByIndex(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t, embedfake.WithBehaviour(embedfake.Reversed()))
	vs, err := newEmbedder(t, fake, embedfake.NomicEmbedText).Embed(t.Context(), texts)
	require.NoError(t, err)
	for i, text := range texts {
		assert.Equal(t, memory.Vector(fake.Vector(embedfake.NomicEmbedText, text)), vs[i], text)
	}
}

// TestNoTextsNoRequest: nothing to embed asks nothing; a blank text is refused before any
// request, naming which.
func TestNoTextsNoRequest(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t)
	e := newEmbedder(t, fake, embedfake.NomicEmbedText)
	vs, err := e.Embed(t.Context(), nil)
	require.NoError(t, err)
	assert.Empty(t, vs)
	for _, blank := range []string{"", "  ", "\n\t"} {
		_, err := e.Embed(t.Context(), []string{"fine", blank})
		requireKind(t, err, domain.KindInvalid, "embedding_text_empty")
		assert.ErrorContains(t, err, "text 1 of 2")
	}
	assert.Empty(t, fake.Requests())
}

// TestBaseURLForms: a root without a path gets /v1; one with a path is the API root it names.
func TestBaseURLForms(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprint(w, `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.6,0.8]}],"model":"m"}`)
	}))
	t.Cleanup(srv.Close)
	for base, want := range map[string]string{
		srv.URL:                   "/v1/embeddings",
		srv.URL + "/":             "/v1/embeddings",
		srv.URL + "/v1":           "/v1/embeddings",
		srv.URL + "/v1/":          "/v1/embeddings",
		srv.URL + "/openai/v1":    "/openai/v1/embeddings",
		srv.URL + "/api/v1beta/":  "/api/v1beta/embeddings",
		srv.URL + "/engines/llm/": "/engines/llm/embeddings",
	} {
		mu.Lock()
		paths = nil
		mu.Unlock()
		e, err := openaiembed.New(openaiembed.Config{BaseURL: base, Model: "m"}, srv.Client())
		require.NoError(t, err)
		vs, err := e.Embed(t.Context(), []string{"x"})
		require.NoError(t, err, base)
		assert.Equal(t, []memory.Vector{{0.6, 0.8}}, vs)
		mu.Lock()
		assert.Equal(t, []string{want}, paths, base)
		mu.Unlock()
	}
}
