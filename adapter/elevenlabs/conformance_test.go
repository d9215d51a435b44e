package elevenlabs_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/elevenlabs"
	"github.com/companionhub/companionhub/test/contract/speechtest"
	"github.com/companionhub/companionhub/test/fakes/elevenlabsfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// testKey is the key the tests' fakes demand.
const testKey = "sk_test_0123456789abcdef"

// newSynthesizer returns a Synthesizer talking to s with testKey and the changes of edit.
func newSynthesizer(t *testing.T, s *elevenlabsfake.Server, edit ...func(*elevenlabs.Config)) *elevenlabs.Synthesizer {
	t.Helper()
	c := elevenlabs.DefaultConfig()
	c.BaseURL, c.APIKey = s.URL(), testKey
	for _, e := range edit {
		e(&c)
	}
	syn, err := elevenlabs.New(c, s.Client())
	require.NoError(t, err)
	return syn
}

// newFake starts a fake demanding testKey.
func newFake(t *testing.T, opts ...elevenlabsfake.Option) *elevenlabsfake.Server {
	return elevenlabsfake.New(t, append([]elevenlabsfake.Option{elevenlabsfake.WithAPIKey(testKey)}, opts...)...)
}

// The API is not deterministic (the same text is spoken a little differently each time), so
// neither is the harness, although the fake is.

func TestConformance(t *testing.T) {
	t.Parallel()
	speechtest.Run(t, speechtest.Harness{
		New:     func(t *testing.T) voice.Synthesizer { return newSynthesizer(t, newFake(t)) },
		VoiceID: elevenlabsfake.VoiceGeorge,
	})
}

// TestConformanceDefaultVoice: requests without a voice speak the configured one, with the fast
// model.
func TestConformanceDefaultVoice(t *testing.T) {
	t.Parallel()
	speechtest.Run(t, speechtest.Harness{
		New: func(t *testing.T) voice.Synthesizer {
			return newSynthesizer(t, newFake(t), func(c *elevenlabs.Config) {
				c.Voice, c.Model = elevenlabsfake.VoiceSarah, "eleven_flash_v2_5"
			})
		},
	})
}
