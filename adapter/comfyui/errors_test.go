package comfyui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/fakes/comfyfake"
)

// serverText is what the fake puts in its error bodies; it must never reach a client.
const serverText = "comfy-server-detail-7b1e"

// Every failure a server can stage maps to the kind that decides the pipeline's retries, with a
// reason, a message of the adapter's own, and ComfyUI's text only in the cause.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		b      comfyfake.Behaviour
		opts   []comfyfake.Option
		edit   func(*Config)
		kind   domain.Kind
		reason string
	}{
		{name: "server error", b: comfyfake.Error(500), kind: domain.KindUnavailable, reason: "image_unavailable"},
		{name: "bad gateway", b: comfyfake.Error(502), kind: domain.KindUnavailable, reason: "image_unavailable"},
		{name: "busy", b: comfyfake.RateLimited("7"), kind: domain.KindRateLimited, reason: "image_rate_limited"},
		{name: "forbidden", b: comfyfake.Error(403), kind: domain.KindInternal, reason: "image_auth"},
		{name: "wrong key", opts: []comfyfake.Option{comfyfake.WithAPIKey("right")},
			edit: func(c *Config) { c.APIKey = "wrong" }, kind: domain.KindInternal, reason: "image_auth"},
		{name: "wrong base path", edit: func(c *Config) { c.BaseURL += "/nope" }, kind: domain.KindInternal,
			reason: "image_not_found"},
		{name: "out of memory", b: comfyfake.ExecutionError("torch.OutOfMemoryError"), kind: domain.KindUnavailable,
			reason: "image_out_of_memory"},
		{name: "node failure", b: comfyfake.ExecutionError("RuntimeError"), kind: domain.KindInternal,
			reason: "image_failed"},
		{name: "failure without socket", b: comfyfake.ExecutionError("RuntimeError"),
			opts: []comfyfake.Option{comfyfake.WithoutWebSocket()}, kind: domain.KindInternal, reason: "image_failed"},
		{name: "no image", b: comfyfake.NoImages(), kind: domain.KindInternal, reason: "image_no_output"},
		{name: "checkpoint the server lacks", edit: func(c *Config) { c.Model = "missing.safetensors" },
			kind: domain.KindInternal, reason: "image_workflow_rejected"},
		{name: "unreachable", edit: func(c *Config) { c.BaseURL = "http://127.0.0.1:1" }, kind: domain.KindUnavailable,
			reason: "image_unavailable"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]comfyfake.Option{comfyfake.WithErrorMessage(serverText), comfyfake.WithBehaviour(tc.b)}, tc.opts...)
			c, _ := newClient(t, tc.edit, opts...)
			_, err := c.Generate(t.Context(), request(), nil)
			requireKind(t, err, tc.kind, tc.reason)
			if tc.kind == domain.KindRateLimited {
				assert.Equal(t, 7*time.Second, domain.AsError(err).RetryAfter)
			}
		})
	}
}

// A sampler the request chose and the server lacks is the caller's mistake, not the
// configuration's.
func TestUnknownRequestedSamplerIsInvalid(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t, nil)
	req := request()
	req.Sampler = "no_such_sampler"
	_, err := c.Generate(t.Context(), req, nil)
	requireKind(t, err, domain.KindInvalid, "image_rejected")
	assert.Empty(t, fake.Prompts()[0].ID, "the server refused the prompt")
}

// An answer larger than any real one is refused rather than buffered.
func TestAnswersAreBounded(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", maxAnswer+1)
	srv := http.NewServeMux()
	srv.HandleFunc("/prompt", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"prompt_id": "` + huge + `"}`))
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	c, err := New(Config{BaseURL: ts.URL, Model: "m", Timeout: time.Minute, Scheduler: "normal", PollInterval: time.Second}, nil)
	require.NoError(t, err)
	_, err = c.Generate(t.Context(), request(), nil)
	requireKind(t, err, domain.KindUnavailable, "image_bad_response")
}

// requireKind checks a failure the way callers rely on it.
func requireKind(t *testing.T, err error, kind domain.Kind, reason string) {
	t.Helper()
	require.Error(t, err)
	e := domain.AsError(err)
	require.NotNil(t, e, "not a *domain.Error: %v", err)
	assert.Equal(t, kind, e.Kind, "kind of %v", err)
	assert.Equal(t, reason, e.Reason, "reason of %v", err)
	assert.NotEmpty(t, e.Message)
	assert.NotContains(t, e.Message, serverText, "server text reached the client-facing message")
}
