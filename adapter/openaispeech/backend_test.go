package openaispeech_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaispeech"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/speechfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := speechfake.New(t, speechfake.WithAPIKey(testKey))
	b := openaispeech.Backend()
	assert.Equal(t, "openai", b.Name)
	syn := backendtest.Open(t, "tts", b, backend.Settings{Provider: "openai", BaseURL: fake.URL(),
		APIKey: secret.String(testKey), Model: speechfake.TTS1})
	a, err := syn.Synthesize(t.Context(), voice.Request{Text: "Hello there."})
	require.NoError(t, err)
	require.NoError(t, voice.CheckAudio(a))
	require.Len(t, fake.Requests(), 1)
	assert.Equal(t, speechfake.TTS1, fake.Requests()[0].Model)
	assert.Equal(t, openaispeech.DefaultVoice, fake.Requests()[0].Voice)
}

// TestBackendOptions: the backend's own settings reach the client.
func TestBackendOptions(t *testing.T) {
	t.Parallel()
	fake := speechfake.New(t)
	cat := backend.NewCatalog("tts", openaispeech.Backend())
	var cs backend.Configs
	cs.Set("tts", "openai", &openaispeech.Options{Voice: "shimmer"})
	s := backend.Settings{Provider: "openai", BaseURL: fake.URL(), Timeout: time.Minute}
	require.NoError(t, cat.Check(s, cs, "Speech", "Backends"))
	syn, cleanup, err := cat.Open(t.Context(), s, cs, backend.Deps{HTTP: fake.Client()})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	_, err = syn.Synthesize(t.Context(), voice.Request{Text: "Hi."})
	require.NoError(t, err)
	assert.Equal(t, "shimmer", fake.Requests()[0].Voice)
	assert.Equal(t, openaispeech.DefaultModel, fake.Requests()[0].Model)

	assert.Error(t, (&openaispeech.Options{Voice: " nova"}).Validate())
}

// TestBackendValidation: the settings are checked before the hub starts. A base URL may be left
// out — OpenAI's is the default — but OpenAI's API needs a key.
func TestBackendValidation(t *testing.T) {
	t.Parallel()
	validate := openaispeech.Backend().Validate
	for _, tc := range []struct {
		name  string
		s     backend.Settings
		field string // "" when valid
	}{
		{"OpenAI with a key", backend.Settings{APIKey: "sk-x"}, ""},
		{"another server without a key", backend.Settings{BaseURL: "http://localhost:8880"}, ""},
		{"OpenAI by default, without a key", backend.Settings{}, "APIKey"},
		{"OpenAI named, without a key", backend.Settings{BaseURL: "https://API.openai.com/v1"}, "APIKey"},
		{"not a URL", backend.Settings{BaseURL: "localhost:8880", APIKey: "k"}, "BaseURL"},
		{"credentials in the URL", backend.Settings{BaseURL: "http://u:p@localhost:8880", APIKey: "k"}, "BaseURL"},
		{"the endpoint, not the root", backend.Settings{BaseURL: "http://localhost:8880/v1/audio/speech"}, "BaseURL"},
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
	for _, c := range []openaispeech.Config{
		{BaseURL: "http://localhost:8880", Timeout: -1},
		{BaseURL: "http://localhost:8880", Voice: "nova "},
		{},
	} {
		_, err := openaispeech.New(c, nil)
		assert.Error(t, err, "%+v", c)
	}
}
