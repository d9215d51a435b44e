package openaistt_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaistt"
	"github.com/companionhub/companionhub/test/contract/transcribertest"
	"github.com/companionhub/companionhub/test/fakes/sttfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// testKey is the key the tests' fakes demand.
const testKey = "sk-test-0123456789abcdef"

// newTranscriber returns a Transcriber talking to s with the key s demands and the changes of
// edit.
func newTranscriber(t *testing.T, s *sttfake.Server, edit ...func(*openaistt.Config)) *openaistt.Transcriber {
	t.Helper()
	c := openaistt.DefaultConfig()
	c.BaseURL, c.APIKey = s.URL(), testKey
	for _, e := range edit {
		e(&c)
	}
	tr, err := openaistt.New(c, s.Client())
	require.NoError(t, err)
	return tr
}

// TestConformance runs the suite against the fake: Whisper (verbose_json, the language reported)
// with the fake's default transcript, and a set one.
func TestConformance(t *testing.T) {
	t.Parallel()
	speech := sttfake.SpeechWAV()
	transcribertest.Run(t, transcribertest.Harness{
		New: func(t *testing.T) voice.Transcriber {
			return newTranscriber(t, sttfake.New(t, sttfake.WithAPIKey(testKey)))
		},
		Speech: speech, Says: sttfake.DefaultTranscript(speech.Data),
		Silence: sttfake.SilentWAV(), HonoursLanguage: true,
	})
	transcribertest.Run(t, transcribertest.Harness{
		New: func(t *testing.T) voice.Transcriber {
			return newTranscriber(t, sttfake.New(t, sttfake.WithAPIKey(testKey), sttfake.WithTranscript("Hello, how are you?")))
		},
		Speech: speech, Says: "hello how are you", Silence: sttfake.SilentWAV(), HonoursLanguage: true,
	})
}

// TestConformanceGPT4o: a model that refuses verbose_json is asked for json, and reports no
// language.
func TestConformanceGPT4o(t *testing.T) {
	t.Parallel()
	speech := sttfake.SpeechWAV()
	transcribertest.Run(t, transcribertest.Harness{
		New: func(t *testing.T) voice.Transcriber {
			return newTranscriber(t, sttfake.New(t, sttfake.WithAPIKey(testKey)),
				func(c *openaistt.Config) { c.Model = sttfake.GPT4oMiniTranscribe })
		},
		Speech: speech, Says: sttfake.DefaultTranscript(speech.Data), Silence: sttfake.SilentWAV(),
	})
}

// TestConformanceLocalServer: a local server (whisper.cpp, faster-whisper-server) with its own
// model names, no key and no /v1 in its base URL.
func TestConformanceLocalServer(t *testing.T) {
	t.Parallel()
	speech := sttfake.SpeechWAV()
	transcribertest.Run(t, transcribertest.Harness{
		New: func(t *testing.T) voice.Transcriber {
			fake := sttfake.New(t, sttfake.WithModels("Systran/faster-whisper-small"))
			tr, err := openaistt.New(openaistt.Config{BaseURL: fake.RootURL(), Model: "Systran/faster-whisper-small"}, fake.Client())
			require.NoError(t, err)
			return tr
		},
		Speech: speech, Says: sttfake.DefaultTranscript(speech.Data), Silence: sttfake.SilentWAV(), HonoursLanguage: true,
	})
}
