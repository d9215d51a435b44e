package openai

import (
	"encoding/json"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/usecase/llm"
)

func newClient(t *testing.T, fake *openaifake.Server, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Model = fake.URL(), openaifake.DefaultModel
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg, fake.Client())
	require.NoError(t, err)
	return c
}

func chatRequest() llm.Request {
	return llm.Request{Messages: []llm.Message{
		{Role: llm.System, Content: "You are Mia."},
		{Role: llm.User, Content: "Hi!"},
		{Role: llm.Assistant, Content: "Hello!"},
		{Role: llm.User, Content: "How are you?"},
	}}
}

func drain(t *testing.T, c *Client, req llm.Request) (string, llm.Usage, error) {
	t.Helper()
	var b strings.Builder
	usage, err := c.Stream(t.Context(), req, func(s string) error {
		b.WriteString(s)
		return nil
	})
	return b.String(), usage, err
}

func TestRequestCarriesThePortsOptions(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(t, openaifake.WithModels(openaifake.DefaultModel, "other-model"),
		openaifake.WithAPIKey("sk-test-key-123456"))
	c := newClient(t, fake, func(c *Config) { c.APIKey = "sk-test-key-123456" })

	temp, topP := 0.25, 0.9
	req := chatRequest()
	req.Model, req.MaxTokens, req.Temperature, req.JSON = "other-model", 123, &temp, true
	req.TopP, req.Stop = &topP, []string{"\nUser:", "###"}
	_, _, err := drain(t, c, req)
	require.NoError(t, err)
	_, _, err = c.Complete(t.Context(), chatRequest())
	require.NoError(t, err)

	got := fake.Requests()
	require.Len(t, got, 2)
	s, w := got[0], got[1]
	assert.Equal(t, "/v1/chat/completions", s.Path)
	assert.Equal(t, "Bearer sk-test-key-123456", s.Header.Get("Authorization"))
	assert.Equal(t, "other-model", s.Model)
	require.NotNil(t, s.MaxTokens)
	assert.Equal(t, 123, *s.MaxTokens)
	assert.Nil(t, s.MaxCompletionTokens)
	require.NotNil(t, s.Temperature)
	assert.Equal(t, 0.25, *s.Temperature)
	assert.Equal(t, "json_object", s.ResponseFormat)
	var sent struct {
		TopP *float64 `json:"top_p"`
		Stop []string `json:"stop"`
	}
	require.NoError(t, json.Unmarshal(s.Body, &sent))
	require.NotNil(t, sent.TopP)
	assert.Equal(t, 0.9, *sent.TopP)
	assert.Equal(t, []string{"\nUser:", "###"}, sent.Stop)
	assert.True(t, s.Stream)
	assert.True(t, s.IncludeUsage)
	assert.Equal(t, []openaifake.Message{
		{Role: "system", Content: "You are Mia."}, {Role: "user", Content: "Hi!"},
		{Role: "assistant", Content: "Hello!"}, {Role: "user", Content: "How are you?"},
	}, s.Messages)

	// Unset options are left out, so the provider's defaults apply.
	assert.Equal(t, openaifake.DefaultModel, w.Model)
	assert.False(t, w.Stream)
	assert.Nil(t, w.MaxTokens)
	assert.Nil(t, w.Temperature)
	assert.Empty(t, w.ResponseFormat)
	var body map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(w.Body, &body))
	for _, k := range []string{"max_tokens", "temperature", "top_p", "stop", "response_format", "stream_options", "n"} {
		assert.NotContains(t, body, k)
	}
}

func TestRootBaseURLPostsToChatCompletions(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(t)
	c := newClient(t, fake, func(c *Config) { c.BaseURL = fake.RootURL() + "/" })
	text, _, err := drain(t, c, chatRequest())
	require.NoError(t, err)
	assert.Equal(t, openaifake.DefaultReply, text)
	assert.Equal(t, "/chat/completions", fake.Requests()[0].Path)
}

// TestNoKeyFromTheEnvironment: with no key configured, no Authorization header is sent, even when
// OPENAI_API_KEY is set (the SDK's NewClient would send it to whatever server LLM_BASE_URL names).
func TestNoKeyFromTheEnvironment(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-from-the-environment-999")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	t.Setenv("OPENAI_ORG_ID", "org-env")
	fake := openaifake.New(t)
	c := newClient(t, fake)
	_, _, err := drain(t, c, chatRequest())
	require.NoError(t, err)
	h := fake.Requests()[0].Header
	assert.Empty(t, h.Get("Authorization"))
	assert.Empty(t, h.Get("OpenAI-Organization"))
}

// TestTheSDKDoesNotRetry: the pipeline owns retries, so each call is exactly one request, even for
// statuses the SDK would retry by default.
func TestTheSDKDoesNotRetry(t *testing.T) {
	t.Parallel()
	for _, b := range []openaifake.Behaviour{openaifake.Error(500), openaifake.RateLimited("0"), openaifake.Error(409)} {
		fake := openaifake.New(t, openaifake.WithBehaviour(b))
		c := newClient(t, fake)
		_, _, err := drain(t, c, chatRequest())
		require.Error(t, err)
		_, _, err = c.Complete(t.Context(), chatRequest())
		require.Error(t, err)
		assert.Len(t, fake.Requests(), 2, "status %d", b.Status)
	}
}

// TestFailureScript shows the pipeline's retry working across calls: two failures, then a reply.
func TestFailureScript(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(t)
	fake.Script(openaifake.Error(500), openaifake.Error(503))
	c := newClient(t, fake)
	for range 2 {
		_, _, err := drain(t, c, chatRequest())
		require.ErrorIs(t, err, errUnavailable)
	}
	text, _, err := drain(t, c, chatRequest())
	require.NoError(t, err)
	assert.Equal(t, openaifake.DefaultReply, text)
}

func TestUsageFromTheFinalChunk(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(t, openaifake.WithReply("one two three"))
	c := newClient(t, fake) // the fake counts words: 8 in chatRequest's messages
	_, usage, err := drain(t, c, chatRequest())
	require.NoError(t, err)
	assert.Equal(t, llm.Usage{PromptTokens: 8, CompletionTokens: 3}, usage)
	_, usage, err = c.Complete(t.Context(), chatRequest())
	require.NoError(t, err)
	assert.Equal(t, llm.Usage{PromptTokens: 8, CompletionTokens: 3}, usage)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	good := DefaultConfig()
	good.BaseURL, good.Model = "http://localhost:11434/v1", "llama3.1:8b"
	require.NoError(t, good.Validate())
	cases := []struct {
		field string
		edit  func(*Config)
	}{
		{"BaseURL", func(c *Config) { c.BaseURL = "" }},
		{"BaseURL", func(c *Config) { c.BaseURL = "localhost:11434" }},
		{"BaseURL", func(c *Config) { c.BaseURL = "https://user:hunter2@example.com/v1" }},
		{"BaseURL", func(c *Config) { c.BaseURL = "https://example.com/v1?key=hunter2" }},
		{"BaseURL", func(c *Config) { c.BaseURL = "https://example.com/v1/chat/completions" }},
		{"Model", func(c *Config) { c.Model = " " }},
		{"APIKey", func(c *Config) { c.APIKey = "hunter2\n" }},
		{"Timeout", func(c *Config) { c.Timeout = 0 }},
		{"FirstByteTimeout", func(c *Config) { c.FirstByteTimeout = -time.Second }},
	}
	for i, tc := range cases {
		c := good
		tc.edit(&c)
		err := c.Validate()
		var fe *envflag.FieldError
		require.ErrorAs(t, err, &fe, "case %d", i)
		assert.Equal(t, tc.field, fe.Path, "case %d", i)
		assert.NotContains(t, err.Error(), "hunter2")
		_, err = New(c, nil)
		assert.Error(t, err)
	}
}

// TestBackendReadsTheLLMVariables: bound as a hub binds them — the LLM settings under LLM_ and
// the backend's own options among the backends' settings — the variables reach the client's Config.
func TestBackendReadsTheLLMVariables(t *testing.T) {
	t.Parallel()
	var cfg struct {
		LLM      backend.Feature `envprefix:"LLM_"`
		Backends backend.Configs `envprefix:""`
	}
	cfg.LLM = backend.NewFeature(backend.Settings{Timeout: time.Minute}, backend.FeatureHelp{Provider: "p", BaseURL: "u",
		APIKey: "k", Model: "m", Timeout: "t"})
	cat := backend.NewCatalog("llm", Backend())
	cat.Defaults(&cfg.Backends)
	env := map[string]string{
		"COMPANIONHUB_LLM_PROVIDER": "openai", "COMPANIONHUB_LLM_BASE_URL": "https://openrouter.ai/api/v1",
		"COMPANIONHUB_LLM_API_KEY": "sk-or-abcdef", "COMPANIONHUB_LLM_MODEL": "meta-llama/llama-3.1-70b-instruct",
		"COMPANIONHUB_LLM_TIMEOUT": "90s", "COMPANIONHUB_LLM_FIRST_BYTE_TIMEOUT": "20s",
	}
	b, err := envflag.Bind(flag.NewFlagSet("test", flag.ContinueOnError), "COMPANIONHUB_", &cfg,
		func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	require.NoError(t, b.Apply())
	assert.Equal(t, backend.Settings{Provider: "openai", BaseURL: "https://openrouter.ai/api/v1", APIKey: secret.String("sk-or-abcdef"),
		Model: "meta-llama/llama-3.1-70b-instruct", Timeout: 90 * time.Second}, cfg.LLM.Settings)
	assert.Equal(t, &Options{FirstByteTimeout: 20 * time.Second}, cfg.Backends.Get("llm", "openai"))
	require.NoError(t, cat.Check(cfg.LLM.Settings, cfg.Backends, "LLM", "Backends"))
	m, cleanup, err := cat.Open(t.Context(), cfg.LLM.Settings, cfg.Backends, backend.Deps{})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	assert.IsType(t, &Client{}, m)

	// A bad base URL is reported on the LLM settings, a bad option on the backend's own.
	cfg.LLM.BaseURL = "ftp://nowhere"
	cfg.Backends.Set("llm", "openai", &Options{FirstByteTimeout: -time.Second})
	err = b.Explain(cat.Check(cfg.LLM.Settings, cfg.Backends, "LLM", "Backends"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "COMPANIONHUB_LLM_BASE_URL")
	assert.Contains(t, err.Error(), "COMPANIONHUB_LLM_FIRST_BYTE_TIMEOUT")
}
