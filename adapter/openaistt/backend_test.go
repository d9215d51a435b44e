package openaistt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaistt"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/sttfake"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := sttfake.New(t, sttfake.WithAPIKey(testKey), sttfake.WithTranscript("Good morning."))
	b := openaistt.Backend()
	assert.Equal(t, "openai", b.Name)
	tr := backendtest.Open(t, "stt", b, backend.Settings{Provider: "openai", BaseURL: fake.URL(),
		APIKey: secret.String(testKey), Model: sttfake.GPT4oTranscribe})
	got, err := tr.Transcribe(t.Context(), sttfake.SpeechWAV())
	require.NoError(t, err)
	assert.Equal(t, "Good morning.", got.Text)
	require.NotEmpty(t, fake.Requests())
	assert.Equal(t, sttfake.GPT4oTranscribe, fake.Requests()[0].Model)

	def := sttfake.New(t)
	tr = backendtest.Open(t, "stt", b, backend.Settings{Provider: "openai", BaseURL: def.URL()})
	_, err = tr.Transcribe(t.Context(), sttfake.SpeechWAV())
	require.NoError(t, err)
	assert.Equal(t, openaistt.DefaultModel, def.Requests()[0].Model)
}

// TestBackendValidation: the settings are checked before the hub starts. A base URL may be left
// out — OpenAI's is the default — but OpenAI's API needs a key.
func TestBackendValidation(t *testing.T) {
	t.Parallel()
	validate := openaistt.Backend().Validate
	for _, tc := range []struct {
		name  string
		s     backend.Settings
		field string // "" when valid
	}{
		{"OpenAI with a key", backend.Settings{APIKey: "sk-x"}, ""},
		{"another server without a key", backend.Settings{BaseURL: "http://localhost:8000"}, ""},
		{"OpenAI by default, without a key", backend.Settings{}, "APIKey"},
		{"OpenAI named, without a key", backend.Settings{BaseURL: "https://API.openai.com/v1"}, "APIKey"},
		{"not a URL", backend.Settings{BaseURL: "localhost:8000", APIKey: "k"}, "BaseURL"},
		{"credentials in the URL", backend.Settings{BaseURL: "http://u:p@localhost:8000", APIKey: "k"}, "BaseURL"},
		{"the endpoint, not the root", backend.Settings{BaseURL: "http://localhost:8000/v1/audio/transcriptions"}, "BaseURL"},
		{"a key on two lines", backend.Settings{APIKey: "sk-x\n"}, "APIKey"},
		{"a model with spaces", backend.Settings{BaseURL: "http://localhost:8000", Model: " whisper-1"}, "Model"},
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
	for _, c := range []openaistt.Config{
		{BaseURL: "http://localhost:8000", Timeout: -1},
		{},
	} {
		_, err := openaistt.New(c, nil)
		assert.Error(t, err, "%+v", c)
	}
}
