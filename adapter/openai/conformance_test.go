package openai

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/llmtest"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/usecase/llm"
)

// harness points the adapter at a fake scripted for each scenario; base picks the base URL form.
type harness struct {
	base func(*openaifake.Server) string
}

func (harness) Supports(llmtest.Scenario) bool { return true }

func (h harness) Model(t *testing.T, s llmtest.Scenario) llm.Model {
	opts := []openaifake.Option{openaifake.WithErrorMessage(llmtest.ProviderText)}
	cfg := Config{Model: openaifake.DefaultModel, Timeout: time.Minute, FirstByteTimeout: time.Minute}
	var b openaifake.Behaviour
	switch s {
	case llmtest.Normal, llmtest.Usage, llmtest.JSONMode:
	case llmtest.SplitUTF8:
		b = openaifake.SplitUTF8()
		opts = append(opts, openaifake.WithReply("Ça va très bien, Zoë ! 今日は雨 🌧️☕ «merci»"))
	case llmtest.Slow:
		b = openaifake.Paced(4) // 13 tokens: three seconds
	case llmtest.RateLimited:
		b = openaifake.RateLimited("7")
	case llmtest.ServerError:
		b = openaifake.Error(500)
	case llmtest.StreamCut:
		b = openaifake.CutAfter(1)
	case llmtest.SlowFirstToken:
		// The fake would wait an hour; the adapter gives up after its limits, which is what ends
		// the test (a bounded wait by construction, not a timing assertion).
		b = openaifake.SlowFirstToken(time.Hour)
		cfg.FirstByteTimeout, cfg.Timeout = 50*time.Millisecond, 300*time.Millisecond
	case llmtest.Unauthorized:
		opts = append(opts, openaifake.WithAPIKey("sk-the-right-key-000000"))
		cfg.APIKey = secret.String("sk-llmtest-wrong-key-111111")
	case llmtest.BadRequest:
		b = openaifake.Error(400)
	case llmtest.ContentFilter:
		b = openaifake.ContentFilter()
	default:
		t.Fatalf("scenario %v is not staged", s)
	}
	fake := openaifake.New(t, append(opts, openaifake.WithBehaviour(b))...)
	cfg.BaseURL = h.base(fake)
	c, err := New(cfg, fake.Client())
	require.NoError(t, err)
	return c
}

// TestConformance runs the port's suite against the fake with a ".../v1" base URL (OpenAI,
// Ollama, vLLM) and with the bare root (llama.cpp, some proxies): the SDK appends
// "chat/completions" to whatever path the base URL has.
func TestConformance(t *testing.T) {
	t.Parallel()
	t.Run("V1", func(t *testing.T) {
		t.Parallel()
		llmtest.Run(t, harness{base: (*openaifake.Server).URL})
	})
	t.Run("Root", func(t *testing.T) {
		t.Parallel()
		llmtest.Run(t, harness{base: (*openaifake.Server).RootURL})
	})
}
