package openaiembed_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaiembed"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/embedfake"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t, embedfake.WithAPIKey(testKey))
	b := openaiembed.Backend()
	assert.Equal(t, "openai", b.Name)
	e := backendtest.Open(t, "embeddings", b, backend.Settings{Provider: "openai", BaseURL: fake.URL(),
		APIKey: secret.String(testKey), Model: embedfake.NomicEmbedText})
	vs, err := e.Embed(t.Context(), texts)
	require.NoError(t, err)
	assert.Len(t, vs, 3)
	require.Len(t, fake.Requests(), 1)
	assert.Equal(t, embedfake.NomicEmbedText, fake.Requests()[0].Model)
	named, ok := e.(interface{ Name() string })
	require.True(t, ok, "the embedder it opens says which embedder made its vectors")
	assert.Equal(t, "openai:nomic-embed-text", named.Name())
}

// TestBackendOptions: the backend's own settings reach the client.
func TestBackendOptions(t *testing.T) {
	t.Parallel()
	fake := embedfake.New(t)
	cat := backend.NewCatalog("embeddings", openaiembed.Backend())
	var cs backend.Configs
	cs.Set("embeddings", "openai", &openaiembed.Options{BatchSize: 2, Dimensions: 16})
	s := backend.Settings{Provider: "openai", BaseURL: fake.URL(), Model: embedfake.TextEmbedding3Small, Timeout: time.Minute}
	require.NoError(t, cat.Check(s, cs, "Embeddings", "Backends"))
	e, cleanup, err := cat.Open(t.Context(), s, cs, backend.Deps{HTTP: fake.Client()})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	vs, err := e.Embed(t.Context(), texts)
	require.NoError(t, err)
	assert.Len(t, vs[0], 16)
	assert.Len(t, fake.Requests(), 2)

	for _, o := range []openaiembed.Options{{BatchSize: 0}, {BatchSize: 2049}, {BatchSize: 1, Dimensions: -1}, {BatchSize: 1, Dimensions: 8193}} {
		assert.Error(t, o.Validate(), "%+v", o)
	}
	assert.NoError(t, openaiembed.DefaultOptions().Validate())
}

// TestBackendValidation: the settings are checked before the hub starts. A base URL may be left
// out — OpenAI's is the default — but OpenAI's API needs a key, and every server a model.
func TestBackendValidation(t *testing.T) {
	t.Parallel()
	validate := openaiembed.Backend().Validate
	const m = "text-embedding-3-small"
	for _, tc := range []struct {
		name  string
		s     backend.Settings
		field string // "" when valid
	}{
		{"OpenAI with a key", backend.Settings{APIKey: "sk-x", Model: m}, ""},
		{"Ollama without a key", backend.Settings{BaseURL: "http://localhost:11434/v1", Model: "nomic-embed-text"}, ""},
		{"no model", backend.Settings{APIKey: "sk-x"}, "Model"},
		{"a blank model", backend.Settings{BaseURL: "http://localhost:11434", Model: "  "}, "Model"},
		{"OpenAI by default, without a key", backend.Settings{Model: m}, "APIKey"},
		{"OpenAI named, without a key", backend.Settings{BaseURL: "https://API.openai.com/v1", Model: m}, "APIKey"},
		{"not a URL", backend.Settings{BaseURL: "localhost:8080", APIKey: "k", Model: m}, "BaseURL"},
		{"credentials in the URL", backend.Settings{BaseURL: "http://u:p@localhost:8080", APIKey: "k", Model: m}, "BaseURL"},
		{"the endpoint, not the root", backend.Settings{BaseURL: "http://localhost:8080/v1/embeddings", Model: m}, "BaseURL"},
		{"a query", backend.Settings{BaseURL: "http://localhost:8080/v1?x=1", Model: m}, "BaseURL"},
		{"a key on two lines", backend.Settings{APIKey: "sk-x\n", Model: m}, "APIKey"},
	} {
		err := validate(tc.s)
		if tc.field == "" {
			assert.NoError(t, err, tc.name)
			continue
		}
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), tc.field+":", tc.name)
		assert.NotContains(t, err.Error(), "u:p", "messages never quote the URL")
	}
}

// TestConfigValidation: New refuses what Validate refuses.
func TestConfigValidation(t *testing.T) {
	t.Parallel()
	local := "http://localhost:11434"
	for _, c := range []openaiembed.Config{
		{BaseURL: local, Model: "m", Timeout: -1},
		{BaseURL: local, Model: "m", BatchSize: -1},
		{BaseURL: local, Model: "m", BatchSize: 2049},
		{BaseURL: local, Model: "m", Dimensions: -1},
		{BaseURL: local},
		{Model: "m"},
	} {
		_, err := openaiembed.New(c, nil)
		assert.Error(t, err, "%+v", c)
	}
	_, err := openaiembed.New(openaiembed.Config{BaseURL: local, Model: "m"}, nil)
	assert.NoError(t, err, "a zero BatchSize and Timeout are the defaults")
}
