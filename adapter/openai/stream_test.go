package openai

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/usecase/llm"
)

// rawStream returns a client of a server that answers every request with body as an event
// stream, for the shapes the fake does not produce.
func rawStream(t *testing.T, body string, edit ...func(*Config)) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL + "/v1", Model: "m", Timeout: time.Minute}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg, srv.Client())
	require.NoError(t, err)
	return c
}

func chunkData(content, finish string) string {
	f := "null"
	if finish != "" {
		f = `"` + finish + `"`
	}
	return fmt.Sprintf(`{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":%q},"finish_reason":%s}],"usage":null}`, content, f)
}

// TestStreamFormatsProvidersUse: keep-alive comments (OpenRouter), CRLF line ends, a chunk split
// over several data lines, empty events, an "error": null field, and other event fields all
// carry the same reply.
func TestStreamFormatsProvidersUse(t *testing.T) {
	t.Parallel()
	body := ": OPENROUTER PROCESSING\r\n\r\n" +
		"event: message\r\nid: 1\r\ndata: " + chunkData("Hello", "") + "\r\n\r\n" +
		"data:\n\n" +
		": ping\n" +
		"data: {\"choices\":[{\"index\":0,\n" +
		"data: \"delta\":{\"content\":\" there\"},\"finish_reason\":null}],\n" +
		"data: \"error\":null}\n\n" +
		"data: " + chunkData("!", "stop") + "\r\r" +
		`data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}` + "\n\n" +
		"data: [DONE]\n\n"
	text, usage, err := drain(t, rawStream(t, body), chatRequest())
	require.NoError(t, err)
	assert.Equal(t, "Hello there!", text)
	assert.Equal(t, llm.Usage{PromptTokens: 5, CompletionTokens: 3}, usage)
}

func TestStreamErrorEventBeforeAnyText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		event  string
		kind   domain.Kind
		reason string
	}{
		{`{"error":{"message":"slow down","code":429}}`, domain.KindRateLimited, "llm_rate_limited"},
		{`{"error":{"message":"no","code":"content_filter"}}`, domain.KindInvalid, "llm_refused"},
		{`{"error":{"message":"too long","code":400}}`, domain.KindInvalid, "llm_rejected"},
		{`{"error":{"message":"upstream failed","code":502}}`, domain.KindUnavailable, "llm_unavailable"},
		{`{"error":"model crashed"}`, domain.KindUnavailable, "llm_unavailable"},
	}
	for _, tc := range cases {
		text, _, err := drain(t, rawStream(t, "data: "+tc.event+"\n\n"), chatRequest())
		requireReason(t, err, tc.kind, tc.reason)
		assert.Empty(t, text)
	}
}

func TestStreamAfterTheFinishReason(t *testing.T) {
	t.Parallel()
	// What follows the finish_reason may be lost or fail: the reply is whole.
	for _, tail := range []string{"", `data: {"error":{"message":"late","code":500}}` + "\n\n", "data: {broken\n\n"} {
		text, _, err := drain(t, rawStream(t, "data: "+chunkData("Done.", "stop")+"\n\n"+tail), chatRequest())
		require.NoError(t, err, "%q", tail)
		assert.Equal(t, "Done.", text)
	}
	// [DONE] without a finish_reason is a cut reply, and what follows it is not read.
	text, _, err := drain(t, rawStream(t, "data: "+chunkData("Half", "")+"\n\ndata: [DONE]\n\ndata: "+chunkData(" more", "stop")+"\n\n"), chatRequest())
	require.ErrorIs(t, err, llm.ErrStreamCut)
	assert.Equal(t, "Half", text)
}

func TestStreamUnreadableChunk(t *testing.T) {
	t.Parallel()
	text, _, err := drain(t, rawStream(t, "data: "+chunkData("One", "")+"\n\ndata: {\"choices\":[\n\n"), chatRequest())
	requireReason(t, err, domain.KindUnavailable, "llm_bad_response")
	assert.Equal(t, "One", text)
}

// TestKeepAlivesAreNotTheFirstChunk: a provider that sends comments while it hangs is given up on
// after the first-byte limit all the same.
func TestKeepAlivesAreNotTheFirstChunk(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, ": OPENROUTER PROCESSING\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Model: "m", Timeout: time.Minute, FirstByteTimeout: 50 * time.Millisecond}, srv.Client())
	require.NoError(t, err)
	_, _, err = drain(t, c, chatRequest())
	requireReason(t, err, domain.KindUnavailable, "llm_timeout")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "LLM_FIRST_BYTE_TIMEOUT")
}

// TestOwnHTTPClientKeepsConnections: without a client of the caller's, the adapter's own keeps
// enough idle connections for SPEC's thousand concurrent streams to one provider, where Go's
// default keeps two and would dial again for nearly every call.
func TestOwnHTTPClientKeepsConnections(t *testing.T) {
	t.Parallel()
	hc := newHTTPClient()
	tr, ok := hc.Transport.(*http.Transport)
	require.True(t, ok)
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 1000)
	assert.GreaterOrEqual(t, tr.MaxIdleConns, 1000)
	assert.Zero(t, tr.ResponseHeaderTimeout, "a slow first token is LLM_FIRST_BYTE_TIMEOUT's to bound")
	assert.Zero(t, hc.Timeout, "a whole call is LLM_TIMEOUT's to bound")
	assert.NotSame(t, http.DefaultTransport, hc.Transport, "the default transport is not changed")

	// And it works: a whole reply through it.
	fake := openaifake.New(t)
	c, err := New(Config{BaseURL: fake.URL(), Model: openaifake.DefaultModel, Timeout: time.Minute}, nil)
	require.NoError(t, err)
	text, _, err := drain(t, c, chatRequest())
	require.NoError(t, err)
	assert.Equal(t, openaifake.DefaultReply, text)
}
