package openaispeech_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaispeech"
	"github.com/companionhub/companionhub/test/contract/speechtest"
	"github.com/companionhub/companionhub/test/fakes/speechfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// testKey is the key the tests' fakes demand.
const testKey = "sk-test-0123456789abcdef"

// newSynthesizer returns a Synthesizer talking to s with the key s demands and the changes of
// edit.
func newSynthesizer(t *testing.T, s *speechfake.Server, edit ...func(*openaispeech.Config)) *openaispeech.Synthesizer {
	t.Helper()
	c := openaispeech.DefaultConfig()
	c.BaseURL, c.APIKey = s.URL(), testKey
	for _, e := range edit {
		e(&c)
	}
	syn, err := openaispeech.New(c, s.Client())
	require.NoError(t, err)
	return syn
}

// TestConformance runs the suite against the fake with the default voice and with a named one:
// the fake's audio depends on the text only, as a deterministic server's would.
func TestConformance(t *testing.T) {
	t.Parallel()
	for _, voiceID := range []string{"", "nova"} {
		speechtest.Run(t, speechtest.Harness{
			New: func(t *testing.T) voice.Synthesizer {
				return newSynthesizer(t, speechfake.New(t, speechfake.WithAPIKey(testKey)))
			},
			VoiceID: voiceID, Deterministic: true,
		})
	}
}

// TestConformanceLocalServer: a server with its own voices, no key and no /v1 in its base URL.
func TestConformanceLocalServer(t *testing.T) {
	t.Parallel()
	speechtest.Run(t, speechtest.Harness{
		New: func(t *testing.T) voice.Synthesizer {
			fake := speechfake.New(t, speechfake.WithModels("kokoro"), speechfake.WithVoices("af_bella", "am_adam"))
			syn, err := openaispeech.New(openaispeech.Config{BaseURL: fake.RootURL(), Model: "kokoro", Voice: "af_bella"}, fake.Client())
			require.NoError(t, err)
			return syn
		},
		VoiceID: "am_adam", Deterministic: true,
	})
}
