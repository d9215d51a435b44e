package elevenlabs_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/elevenlabs"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/elevenlabsfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	b := elevenlabs.Backend()
	assert.Equal(t, "elevenlabs", b.Name)
	syn := backendtest.Open(t, "tts", b, backend.Settings{Provider: "elevenlabs", BaseURL: fake.URL(),
		APIKey: secret.String(testKey), Model: "eleven_flash_v2_5"})
	a, err := syn.Synthesize(t.Context(), voice.Request{Text: "Hello there.", VoiceID: elevenlabsfake.VoiceLily})
	require.NoError(t, err)
	assert.NotEmpty(t, a.Data)
	require.Len(t, fake.Requests(), 1)
	assert.Equal(t, "eleven_flash_v2_5", fake.Requests()[0].ModelID)
	_, ok := syn.(*elevenlabs.Synthesizer)
	assert.True(t, ok, "the hub reaches Voices through the concrete type")
}

// TestBackendOptions: the backend's own settings reach the client.
func TestBackendOptions(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	cat := backend.NewCatalog("tts", elevenlabs.Backend())
	var cs backend.Configs
	cs.Set("tts", "elevenlabs", &elevenlabs.Options{Voice: elevenlabsfake.VoiceSarah, Stability: 0.3,
		SimilarityBoost: 0.9, Style: 0.2, SpeakerBoost: false, Speed: 1.1})
	s := backend.Settings{Provider: "elevenlabs", BaseURL: fake.URL(), APIKey: testKey, Timeout: time.Minute}
	require.NoError(t, cat.Check(s, cs, "Speech", "Backends"))
	syn, cleanup, err := cat.Open(t.Context(), s, cs, backend.Deps{HTTP: fake.Client()})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	_, err = syn.Synthesize(t.Context(), voice.Request{Text: "Hi."})
	require.NoError(t, err)
	r := fake.Requests()[0]
	assert.Equal(t, elevenlabsfake.VoiceSarah, r.VoiceID)
	assert.Equal(t, elevenlabs.DefaultModel, r.ModelID)
	require.NotNil(t, r.VoiceSettings)
	vs := r.VoiceSettings
	assert.Equal(t, []float64{0.3, 0.9, 0.2, 1.1}, []float64{*vs.Stability, *vs.SimilarityBoost, *vs.Style, *vs.Speed})
	assert.False(t, *vs.UseSpeakerBoost)

	for _, o := range []elevenlabs.Options{
		{Stability: 2, SimilarityBoost: 0.5, Speed: 1},
		{SimilarityBoost: -0.1, Speed: 1},
		{Speed: 2},
		{Speed: 1, Voice: "a/b"},
	} {
		assert.Error(t, o.Validate(), "%+v", o)
	}
	assert.NoError(t, elevenlabs.DefaultOptions().Validate())
}

// TestBackendValidation: the settings are checked before the hub starts. The base URL may be left
// out — ElevenLabs' is the default — but the key may not.
func TestBackendValidation(t *testing.T) {
	t.Parallel()
	validate := elevenlabs.Backend().Validate
	for _, tc := range []struct {
		name  string
		s     backend.Settings
		field string // "" when valid
	}{
		{"ElevenLabs with a key", backend.Settings{APIKey: "k"}, ""},
		{"a proxy with a key", backend.Settings{BaseURL: "http://localhost:8080/elevenlabs", APIKey: "k"}, ""},
		{"no key", backend.Settings{}, "APIKey"},
		{"another server without a key", backend.Settings{BaseURL: "http://localhost:8080"}, "APIKey"},
		{"not a URL", backend.Settings{BaseURL: "localhost:8080", APIKey: "k"}, "BaseURL"},
		{"credentials in the URL", backend.Settings{BaseURL: "http://u:p@localhost:8080", APIKey: "k"}, "BaseURL"},
		{"the version, not the root", backend.Settings{BaseURL: "https://api.elevenlabs.io/v1", APIKey: "k"}, "BaseURL"},
		{"a key on two lines", backend.Settings{APIKey: "k\n"}, "APIKey"},
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
	ok := elevenlabs.DefaultConfig()
	ok.APIKey = "k"
	for _, edit := range []func(*elevenlabs.Config){
		func(c *elevenlabs.Config) { c.APIKey = "" },
		func(c *elevenlabs.Config) { c.Timeout = -1 },
		func(c *elevenlabs.Config) { c.VoicesTTL = -1 },
		func(c *elevenlabs.Config) { c.Speed = 0 },
		func(c *elevenlabs.Config) { c.Stability = 1.5 },
	} {
		c := ok
		edit(&c)
		_, err := elevenlabs.New(c, nil)
		assert.Error(t, err, "%+v", c)
	}
	_, err := elevenlabs.New(ok, nil)
	assert.NoError(t, err)
}
