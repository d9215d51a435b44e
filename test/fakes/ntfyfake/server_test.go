package ntfyfake_test

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/ntfyfake"
)

const token = "tk_fake0123456789abcdefghijkl"

// publish sends body to path with headers (pairs of name and value) and returns the answer.
func publish(t *testing.T, ctx context.Context, s *ntfyfake.Server, method, path, body string, headers ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, s.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// errorOf decodes ntfy's error body.
func errorOf(t *testing.T, body []byte) (code, status int, text string) {
	t.Helper()
	var e struct {
		Code  int    `json:"code"`
		HTTP  int    `json:"http"`
		Error string `json:"error"`
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	return e.Code, e.HTTP, e.Error
}

// TestPublish: a publication answers the message as ntfy does, with the parameters read from
// headers (encoded words decoded) or the query.
func TestPublish(t *testing.T) {
	t.Parallel()
	s := ntfyfake.New(t)
	resp, body, err := publish(t, t.Context(), s, http.MethodPost, "/companionhub-u1", "  Open the chat to read it.\n",
		"Title", mime.BEncoding.Encode("utf-8", "Zoë wrote to you 🌧️"), "Click", "https://hub.example/c/1",
		"Tags", "speech_balloon, ,tada", "X-Priority", "4")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var m ntfyfake.Message
	require.NoError(t, json.Unmarshal(body, &m))
	assert.Len(t, m.ID, 12)
	assert.Equal(t, "message", m.Event)
	assert.Equal(t, "companionhub-u1", m.Topic)
	assert.Equal(t, "Zoë wrote to you 🌧️", m.Title)
	assert.Equal(t, "Open the chat to read it.", m.Message, "trimmed")
	assert.Equal(t, 4, m.Priority)
	assert.Equal(t, []string{"speech_balloon", "tada"}, m.Tags)
	assert.Equal(t, "https://hub.example/c/1", m.Click)
	assert.Equal(t, int64(12*3600), m.Expires-m.Time)
	assert.Equal(t, []ntfyfake.Message{m}, s.Messages())

	// The query, the short names, and the empty body.
	resp, body, err = publish(t, t.Context(), s, http.MethodPut, "/t1?title=Hello&p=high", "", "ta", "x")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.Unmarshal(body, &m))
	assert.Equal(t, "Hello", m.Title)
	assert.Equal(t, 4, m.Priority)
	assert.Equal(t, []string{"x"}, m.Tags)
	assert.Equal(t, "triggered", m.Message)

	// A proxy's RFC 9218 Priority is ignored; X-Priority wins over it anyway.
	_, body, err = publish(t, t.Context(), s, http.MethodPost, "/t1", "hi", "Priority", "u=1, i")
	require.NoError(t, err)
	var plain ntfyfake.Message
	require.NoError(t, json.Unmarshal(body, &plain))
	assert.Zero(t, plain.Priority, "no priority")

	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, http.StatusOK, reqs[0].Status)
	require.NotNil(t, reqs[0].Message)
	assert.Equal(t, "companionhub-u1", reqs[0].Topic)
}

// TestRefuses: ntfy's errors, with its codes.
func TestRefuses(t *testing.T) {
	t.Parallel()
	s := ntfyfake.New(t)
	for _, tc := range []struct {
		method, path, body string
		headers            []string
		status, code       int
	}{
		{http.MethodPost, "/docs", "hi", nil, 400, 40010},
		{http.MethodPost, "/t1", "hi", []string{"X-Priority", "6"}, 400, 40007},
		{http.MethodPost, "/t1", "hi", []string{"Priority", "urgentest"}, 400, 40007},
		{http.MethodPost, "/t1", strings.Repeat("a", ntfyfake.MessageSizeLimit+1), nil, 400, 40014},
		{http.MethodPost, "/t1", "\xff\xfe", nil, 400, 40014},
		{http.MethodPost, "/" + strings.Repeat("a", 65), "hi", nil, 404, 40401},
		{http.MethodPost, "/a/b", "hi", nil, 404, 40401},
		{http.MethodDelete, "/t1", "", nil, 404, 40401},
	} {
		resp, body, err := publish(t, t.Context(), s, tc.method, tc.path, tc.body, tc.headers...)
		require.NoError(t, err)
		assert.Equal(t, tc.status, resp.StatusCode, tc.path)
		code, status, _ := errorOf(t, body)
		assert.Equal(t, tc.code, code, tc.path)
		assert.Equal(t, tc.status, status, tc.path)
	}
	assert.Empty(t, s.Messages())
	assert.Len(t, s.Requests(), 5, "publish requests only")

	resp, body, err := publish(t, t.Context(), s, http.MethodGet, "/t1", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "GET of a topic is the web app")
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	assert.Contains(t, string(body), "<html>")
}

// TestAccessControl: with a token, anonymous publishing is forbidden and a wrong token
// unauthorized.
func TestAccessControl(t *testing.T) {
	t.Parallel()
	s := ntfyfake.New(t, ntfyfake.WithToken(token))
	for _, tc := range []struct {
		auth         string
		status, code int
	}{
		{"", 403, 40301},
		{"Bearer tk_wrong", 401, 40101},
		{"Basic dXNlcjpwYXNz", 401, 40101},
		{"Bearer " + token, 200, 0},
	} {
		resp, body, err := publish(t, t.Context(), s, http.MethodPost, "/t1", "hi", "Authorization", tc.auth)
		require.NoError(t, err)
		assert.Equal(t, tc.status, resp.StatusCode, tc.auth)
		if tc.code != 0 {
			code, _, _ := errorOf(t, body)
			assert.Equal(t, tc.code, code, tc.auth)
			assert.NotContains(t, string(body), "tk_wrong", "ntfy does not quote the token")
		}
	}
	assert.Len(t, s.Messages(), 1)

	open := ntfyfake.New(t)
	resp, _, err := publish(t, t.Context(), open, http.MethodPost, "/t1", "hi", "Authorization", "Bearer anything")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "without access control, credentials are not checked")
}

// TestRequestLimit: beyond the burst, 429 42901 without Retry-After, as ntfy answers; the bucket
// refills with time.
func TestRequestLimit(t *testing.T) {
	t.Parallel()
	s := ntfyfake.New(t, ntfyfake.WithRequestLimit(2, time.Hour))
	for i, want := range []int{200, 200, 429, 429} {
		resp, body, err := publish(t, t.Context(), s, http.MethodPost, "/t1", "hi")
		require.NoError(t, err)
		require.Equal(t, want, resp.StatusCode, i)
		if want == 429 {
			code, _, text := errorOf(t, body)
			assert.Equal(t, 42901, code)
			assert.Contains(t, text, "limit reached")
			assert.Empty(t, resp.Header.Get("Retry-After"))
		}
	}

	quick := ntfyfake.New(t, ntfyfake.WithRequestLimit(1, time.Millisecond))
	resp, _, err := publish(t, t.Context(), quick, http.MethodPost, "/t1", "hi")
	require.NoError(t, err)
	require.Equal(t, 200, resp.StatusCode)
	require.Eventually(t, func() bool {
		resp, _, err := publish(t, t.Context(), quick, http.MethodPost, "/t1", "hi")
		return err == nil && resp.StatusCode == 200
	}, awaittest.Patience, time.Millisecond, "the bucket refills")
}

// TestBehaviours: scripted answers come in order, then the default.
func TestBehaviours(t *testing.T) {
	t.Parallel()
	s := ntfyfake.New(t)
	s.Script(ntfyfake.RateLimited("3"), ntfyfake.Fail(500), ntfyfake.Fail(503), ntfyfake.Behaviour{Status: 403, Detail: "no"},
		ntfyfake.Page())
	for _, want := range []struct {
		status, code     int
		retryAfter, text string
	}{{429, 42901, "3", "limit reached: too many requests, please be nice"}, {500, 50001, "", "internal server error"},
		{503, 50301, "", "service unavailable"}, {403, 40301, "", "no"}} {
		resp, body, err := publish(t, t.Context(), s, http.MethodPost, "/t1", "hi")
		require.NoError(t, err)
		assert.Equal(t, want.status, resp.StatusCode)
		assert.Equal(t, want.retryAfter, resp.Header.Get("Retry-After"))
		code, _, text := errorOf(t, body)
		assert.Equal(t, want.code, code)
		assert.Equal(t, want.text, text)
	}
	resp, body, err := publish(t, t.Context(), s, http.MethodPost, "/t1", "hi")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(body), "<html>", "a page, not a message")
	assert.Empty(t, s.Messages())

	resp, _, err = publish(t, t.Context(), s, http.MethodPost, "/t1", "hi")
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Len(t, s.Messages(), 1)
}

// TestHangEndsWhenTheClientLeaves: a hanging answer holds the request until the client gives up.
func TestHangEndsWhenTheClientLeaves(t *testing.T) {
	t.Parallel()
	s := ntfyfake.New(t, ntfyfake.WithBehaviour(ntfyfake.Hang()))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := publish(t, ctx, s, http.MethodPost, "/t1", "hi")
		done <- err
	}()
	awaittest.Closed(t, s.Arrived(1), "the hanging request")
	cancel()
	require.ErrorIs(t, awaittest.Recv(t, done, "the end of the hanging request"), context.Canceled)
	assert.Empty(t, s.Messages())
}
