package openai

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/usecase/llm"
)

// both runs Stream and Complete and returns their errors.
func both(t *testing.T, c *Client) []error {
	t.Helper()
	_, _, streamErr := drain(t, c, chatRequest())
	_, _, completeErr := c.Complete(t.Context(), chatRequest())
	return []error{streamErr, completeErr}
}

func requireReason(t *testing.T, err error, kind domain.Kind, reason string) *domain.Error {
	t.Helper()
	e := domain.AsError(err)
	require.NotNil(t, e, "not a *domain.Error: %v", err)
	assert.Equal(t, kind, e.Kind, "%v", err)
	assert.Equal(t, reason, e.Reason, "%v", err)
	return e
}

func TestStatusMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		b      openaifake.Behaviour
		kind   domain.Kind
		reason string
	}{
		{openaifake.Error(400), domain.KindInvalid, "llm_rejected"},
		{openaifake.Behaviour{Status: 400, ErrorCode: "content_filter"}, domain.KindInvalid, "llm_refused"},
		{openaifake.Error(401), domain.KindInternal, "llm_auth"},
		{openaifake.Error(402), domain.KindInternal, "llm_billing"},
		{openaifake.Error(403), domain.KindInternal, "llm_auth"},
		{openaifake.Error(404), domain.KindInternal, "llm_not_found"},
		{openaifake.Error(408), domain.KindUnavailable, "llm_unavailable"},
		{openaifake.Error(409), domain.KindUnavailable, "llm_unavailable"},
		{openaifake.Error(413), domain.KindInvalid, "llm_rejected"},
		{openaifake.Error(422), domain.KindInvalid, "llm_rejected"},
		{openaifake.RateLimited("3"), domain.KindRateLimited, "llm_rate_limited"},
		{openaifake.Error(500), domain.KindUnavailable, "llm_unavailable"},
		{openaifake.Error(502), domain.KindUnavailable, "llm_unavailable"},
		{openaifake.Behaviour{Status: 503, RetryAfter: "2"}, domain.KindUnavailable, "llm_unavailable"},
	}
	for _, tc := range cases {
		fake := openaifake.New(t, openaifake.WithBehaviour(tc.b), openaifake.WithErrorMessage("provider says why"))
		for _, err := range both(t, newClient(t, fake)) {
			e := requireReason(t, err, tc.kind, tc.reason)
			assert.Contains(t, err.Error(), "provider says why", "the cause keeps the provider's text for the log")
			assert.NotContains(t, e.Message, "provider says why")
			if tc.b.RetryAfter != "" {
				assert.Equal(t, time.Duration(tc.b.RetryAfter[0]-'0')*time.Second, e.RetryAfter)
			}
		}
	}
}

// TestOtherErrorBodies covers servers whose error bodies are not OpenAI's shape. The SDK reports
// those as a JSON decoding error without the status; the adapter still maps the status.
func TestOtherErrorBodies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status      int
		contentType string
		body        string
		kind        domain.Kind
		logged      string
	}{
		{404, "application/json", `{"error":"model \"llama9\" not found, try pulling it first"}`, domain.KindInternal, "try pulling it first"},                                 // Ollama
		{400, "application/json", `{"object":"error","message":"max_tokens is too large","type":"BadRequestError","code":400}`, domain.KindInvalid, "max_tokens is too large"}, // vLLM
		{502, "text/html", "<html><body>502 Bad Gateway</body></html>", domain.KindUnavailable, "502 Bad Gateway"},                                                             // a proxy
		{500, "application/json", "", domain.KindUnavailable, "HTTP 500"},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.contentType)
			w.WriteHeader(tc.status)
			fmt.Fprint(w, tc.body)
		}))
		t.Cleanup(srv.Close)
		c, err := New(Config{BaseURL: srv.URL + "/v1", Model: "m", Timeout: time.Minute}, srv.Client())
		require.NoError(t, err)
		for _, err := range both(t, c) {
			assert.Equal(t, tc.kind, domain.KindOf(err), "status %d: %v", tc.status, err)
			assert.Contains(t, err.Error(), tc.logged)
		}
	}
}

// TestAPIKeyNeverAppears: OpenAI's 401 quotes the key it was given (partly masked), and other
// servers may quote it whole; neither reaches the error, however it is printed.
func TestAPIKeyNeverAppears(t *testing.T) {
	t.Parallel()
	const key = "sk-proj-VerySecretKey0123456789"
	fake := openaifake.New(t, openaifake.WithAPIKey("sk-the-right-one-000000"))
	masked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided: sk-proj-****6789. Header was `+
			r.Header.Get("Authorization")+`","type":"invalid_request_error","code":"invalid_api_key"}}`)
	}))
	t.Cleanup(masked.Close)
	for _, base := range []string{fake.URL(), masked.URL} {
		c, err := New(Config{BaseURL: base, APIKey: key, Model: openaifake.DefaultModel, Timeout: time.Minute}, nil)
		require.NoError(t, err)
		for _, err := range both(t, c) {
			requireReason(t, err, domain.KindInternal, "llm_auth")
			for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprint(domain.AsError(err))} {
				assert.NotContains(t, s, "VerySecretKey")
				assert.NotContains(t, s, "sk-proj-****6789")
			}
			assert.Contains(t, err.Error(), "[REDACTED]", "the cause keeps the rest of the provider's text")
		}
	}
}

func TestStreamThatEndsUnfinishedIsCut(t *testing.T) {
	t.Parallel()
	for _, b := range []openaifake.Behaviour{openaifake.TruncateAfter(2), openaifake.CutAfter(2)} {
		fake := openaifake.New(t, openaifake.WithReply("one two three four"), openaifake.WithBehaviour(b))
		c := newClient(t, fake)
		text, _, err := drain(t, c, chatRequest())
		require.ErrorIs(t, err, llm.ErrStreamCut)
		assert.Equal(t, "one two", text)
		_, _, err = c.Complete(t.Context(), chatRequest())
		assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	}
}

func TestStreamErrorEvent(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(t, openaifake.WithReply("one two three four"), openaifake.WithBehaviour(openaifake.StreamErrorAfter(2)))
	text, _, err := drain(t, newClient(t, fake), chatRequest())
	requireReason(t, err, domain.KindUnavailable, "llm_unavailable")
	assert.Contains(t, err.Error(), "Upstream provider failed")
	assert.Equal(t, "one two", text)
}

// TestTimeoutDuringTheStream: Timeout bounds the whole call, the streamed reply included. The
// provider sends its first token at once and the next in eleven days, so what ends the call is
// the adapter's limit (the caller's deadline only turns a limit that stopped at the first byte
// into a failure rather than a hung test). Whether the first token beat the limit is up to the
// scheduler, so the text is only required to be the reply's beginning.
func TestTimeoutDuringTheStream(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(t, openaifake.WithBehaviour(openaifake.Paced(1e-6)))
	c := newClient(t, fake, func(c *Config) { c.Timeout, c.FirstByteTimeout = 300*time.Millisecond, 0 })
	ctx, cancel := context.WithTimeout(t.Context(), awaittest.Patience)
	defer cancel()
	var text strings.Builder
	_, err := c.Stream(ctx, chatRequest(), func(s string) error {
		text.WriteString(s)
		return nil
	})
	requireReason(t, err, domain.KindUnavailable, "llm_timeout")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, errTimeout, "the adapter's Timeout ended the call, not the caller's deadline: %v", err)
	assert.True(t, strings.HasPrefix(openaifake.DefaultReply, text.String()), "text before the timeout: %q", text.String())
}

func TestCallerCancellation(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(t, openaifake.WithBehaviour(openaifake.Paced(2)))
	c := newClient(t, fake)
	ctx, cancel := context.WithCancel(t.Context())
	_, err := c.Stream(ctx, chatRequest(), func(string) error { cancel(); return nil })
	requireReason(t, err, domain.KindUnavailable, "llm_cancelled")
	require.ErrorIs(t, err, context.Canceled)

	ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	fake.Script(openaifake.SlowFirstToken(time.Hour))
	_, _, err = c.Complete(ctx, chatRequest())
	requireReason(t, err, domain.KindUnavailable, "llm_timeout")
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestRequestProblemsFailBeforeSending(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(t)
	c := newClient(t, fake)
	_, _, err := c.Complete(t.Context(), llm.Request{})
	requireReason(t, err, domain.KindInvalid, "llm_no_messages")
	_, err = c.Stream(t.Context(), llm.Request{Messages: []llm.Message{{Role: "tool", Content: "x"}}}, nil)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
	assert.Empty(t, fake.Requests())
}

func TestRuneBuffer(t *testing.T) {
	t.Parallel()
	const s = "aé中🌧️z«»"
	// Every way of cutting s into two or three pieces gives whole characters that join back to s.
	for i := 0; i <= len(s); i++ {
		for j := i; j <= len(s); j++ {
			var b runeBuffer
			var out []string
			for _, part := range []string{s[:i], s[i:j], s[j:]} {
				if p := b.push(part); p != "" {
					out = append(out, p)
				}
			}
			assert.Empty(t, b.flush())
			assert.Equal(t, s, strings.Join(out, ""), "cut at %d and %d", i, j)
		}
	}
	var b runeBuffer
	assert.Equal(t, "a\uFFFDb", b.push("a\xffb"), "bytes that never form a character are replaced")
	assert.Equal(t, "x", b.push("x\xe4\xb8"))
	assert.Equal(t, "\uFFFD", b.flush(), "an unfinished character at the end is replaced")
}
