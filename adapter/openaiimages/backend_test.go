package openaiimages_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaiimages"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/imagesfake"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t, imagesfake.WithAPIKey(testKey), asRequested())
	b := openaiimages.Backend()
	assert.Equal(t, "openai", b.Name)
	g := backendtest.Open(t, "image", b, backend.Settings{Provider: "openai", BaseURL: fake.URL(),
		APIKey: secret.String(testKey), Model: imagesfake.DallE2})
	res, err := g.Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	assert.NotEmpty(t, res.Data)
	require.Len(t, fake.Requests(), 1)
	assert.Equal(t, imagesfake.DallE2, fake.Requests()[0].Model)
}

// TestBackendOptions: the backend's own settings reach the client.
func TestBackendOptions(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t)
	cat := backend.NewCatalog("image", openaiimages.Backend())
	var cs backend.Configs
	cs.Set("image", "openai", &openaiimages.Options{NegativePrompt: "append"})
	s := backend.Settings{Provider: "openai", BaseURL: fake.URL(), Model: imagesfake.CustomModel, Timeout: time.Minute}
	require.NoError(t, cat.Check(s, cs, "Images", "Backends"))
	g, cleanup, err := cat.Open(t.Context(), s, cs, backend.Deps{HTTP: fake.Client()})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	_, err = g.Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	assert.Contains(t, fake.Requests()[0].Prompt, "Avoid: blurry, text")

	assert.Error(t, (&openaiimages.Options{NegativePrompt: "keep"}).Validate())
}

// TestBackendValidation: the settings are checked before the hub starts. A base URL may be left
// out — OpenAI's is the default — but OpenAI's API needs a key.
func TestBackendValidation(t *testing.T) {
	t.Parallel()
	validate := openaiimages.Backend().Validate
	for _, tc := range []struct {
		name  string
		s     backend.Settings
		field string // "" when valid
	}{
		{"OpenAI with a key", backend.Settings{APIKey: "sk-x"}, ""},
		{"another server without a key", backend.Settings{BaseURL: "http://localhost:8080"}, ""},
		{"OpenAI by default, without a key", backend.Settings{}, "APIKey"},
		{"OpenAI named, without a key", backend.Settings{BaseURL: "https://API.openai.com/v1"}, "APIKey"},
		{"not a URL", backend.Settings{BaseURL: "localhost:8080", APIKey: "k"}, "BaseURL"},
		{"credentials in the URL", backend.Settings{BaseURL: "http://u:p@localhost:8080", APIKey: "k"}, "BaseURL"},
		{"the endpoint, not the root", backend.Settings{BaseURL: "http://localhost:8080/v1/images/generations"}, "BaseURL"},
		{"a query", backend.Settings{BaseURL: "http://localhost:8080/v1?x=1"}, "BaseURL"},
		{"a key on two lines", backend.Settings{APIKey: "sk-x\n"}, "APIKey"},
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
	for _, c := range []openaiimages.Config{
		{BaseURL: "http://localhost:8080", Timeout: -1},
		{BaseURL: "http://localhost:8080", NegativePrompt: "keep"},
		{},
	} {
		_, err := openaiimages.New(c, nil)
		assert.Error(t, err, "%+v", c)
	}
}
