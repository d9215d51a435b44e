package webhookfake_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/webhookfake"
)

const secret = "whsec-0123456789abcdef"

const event = `{"type":"companion.wrote_first","id":"d1","at":"2025-01-02T08:00:03Z",` +
	`"user":{"id":"u1","username":"ada"},"companion":{"id":"c1","name":"Mira"},"schedule_id":"s1","turn_id":"t1",` +
	`"due":"2025-01-02T08:00:00Z","title":"Mira wrote to you","body":"Open the chat to read it.","url":"https://hub.example/c/1"}`

// sign computes the signature as the notifier's documentation describes it.
func sign(key string, t time.Time, body string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(ts + "." + body))
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// deliver posts body with the headers a delivery has, edited by edit.
func deliver(t *testing.T, ctx context.Context, s *webhookfake.Server, body string, edit func(h http.Header)) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL(), strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CompanionHub-Event", "companion.wrote_first")
	req.Header.Set("X-CompanionHub-Delivery", "d1")
	req.Header.Set("X-CompanionHub-Signature", sign(secret, time.Now(), body))
	if edit != nil {
		edit(req.Header)
	}
	client := *s.Client() // a copy: the server's client is shared
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func TestTakesASignedDelivery(t *testing.T) {
	t.Parallel()
	s := webhookfake.New(t, secret)
	resp, body, err := deliver(t, t.Context(), s, event, nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.JSONEq(t, `{"ok":true}`, body)

	got := s.Deliveries()
	require.Len(t, got, 1)
	assert.True(t, got[0].Signed)
	assert.False(t, got[0].Duplicate)
	assert.Equal(t, "d1", got[0].Delivery)
	require.NotNil(t, got[0].Event)
	assert.Equal(t, "Mira", got[0].Event.Companion.Name)
	assert.Equal(t, "Open the chat to read it.", got[0].Event.Body)
	assert.Equal(t, event, string(got[0].Body))

	// Several v1 signatures (a secret being rotated): one matching is enough.
	resp, _, err = deliver(t, t.Context(), s, event, func(h http.Header) {
		h.Set("X-CompanionHub-Signature", sign("another-secret-0000", time.Now(), event)+",v1="+
			strings.SplitN(sign(secret, time.Now(), event), "v1=", 2)[1])
	})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, s.Deliveries(), 2)
	assert.True(t, s.Deliveries()[1].Duplicate, "the same delivery id again")
}

// TestRefuses: what a careful receiver refuses, the fake refuses, and records.
func TestRefuses(t *testing.T) {
	t.Parallel()
	s := webhookfake.New(t, secret)
	for _, tc := range []struct {
		name   string
		body   string
		edit   func(h http.Header)
		status int
	}{
		{"no signature", event, func(h http.Header) { h.Del("X-CompanionHub-Signature") }, 401},
		{"a wrong secret", event, func(h http.Header) { h.Set("X-CompanionHub-Signature", sign("wrong-secret-0000", time.Now(), event)) }, 401},
		{"another body", event, func(h http.Header) { h.Set("X-CompanionHub-Signature", sign(secret, time.Now(), event+" ")) }, 401},
		{"an old timestamp", event, func(h http.Header) {
			h.Set("X-CompanionHub-Signature", sign(secret, time.Now().Add(-6*time.Minute), event))
		}, 401},
		{"a timestamp ahead", event, func(h http.Header) {
			h.Set("X-CompanionHub-Signature", sign(secret, time.Now().Add(6*time.Minute), event))
		}, 401},
		{"not JSON", event, func(h http.Header) { h.Set("Content-Type", "text/plain") }, 400},
		{"another event", event, func(h http.Header) { h.Set("X-CompanionHub-Event", "ping") }, 400},
		{"no delivery id", event, func(h http.Header) { h.Del("X-CompanionHub-Delivery") }, 400},
		{"a delivery id not the event's", event, func(h http.Header) { h.Set("X-CompanionHub-Delivery", "d2") }, 400},
		{"an unknown field", strings.Replace(event, `"url"`, `"reply":"the companion's words","url"`, 1), nil, 400},
	} {
		body := tc.body
		edit := func(h http.Header) {
			h.Set("X-CompanionHub-Signature", sign(secret, time.Now(), body))
			if tc.edit != nil {
				tc.edit(h)
			}
		}
		resp, answer, err := deliver(t, t.Context(), s, body, edit)
		require.NoError(t, err, tc.name)
		assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		assert.Contains(t, answer, `"error"`, tc.name)
	}
	assert.Empty(t, s.Deliveries())
	assert.Len(t, s.Requests(), 10)

	resp, err := s.Client().Get(s.URL())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, err = s.Client().Post(strings.TrimSuffix(s.URL(), webhookfake.Path)+"/other", "application/json", strings.NewReader(event))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Len(t, s.Requests(), 10, "only the endpoint's requests are recorded")
}

// TestBehaviours: scripted answers come in order, then the default.
func TestBehaviours(t *testing.T) {
	t.Parallel()
	s := webhookfake.New(t, secret)
	s.Script(webhookfake.Fail(500), webhookfake.RateLimited("7"), webhookfake.Unavailable(""),
		webhookfake.Behaviour{Status: 400, Detail: "bad idea"}, webhookfake.Redirect(308))
	for _, want := range []struct {
		status     int
		retryAfter string
		location   string
		detail     string
	}{{500, "", "", "Internal Server Error"}, {429, "7", "", ""}, {503, "", "", ""}, {400, "", "", "bad idea"},
		{308, "", webhookfake.Path, ""}, {200, "", "", ""}} {
		resp, body, err := deliver(t, t.Context(), s, event, nil)
		require.NoError(t, err)
		assert.Equal(t, want.status, resp.StatusCode)
		assert.Equal(t, want.retryAfter, resp.Header.Get("Retry-After"))
		assert.Equal(t, want.location, resp.Header.Get("Location"))
		assert.Contains(t, body, want.detail)
	}
	reqs := s.Requests()
	require.Len(t, reqs, 6)
	assert.Equal(t, 500, reqs[0].Status)
	assert.Len(t, s.Deliveries(), 1, "only the last was taken")
}

// TestHangEndsWhenTheClientLeaves: a hanging answer holds the request until the client gives up.
func TestHangEndsWhenTheClientLeaves(t *testing.T) {
	t.Parallel()
	s := webhookfake.New(t, secret, webhookfake.WithBehaviour(webhookfake.Hang()))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := deliver(t, ctx, s, event, nil)
		done <- err
	}()
	awaittest.Closed(t, s.Arrived(1), "the hanging request")
	cancel()
	require.ErrorIs(t, awaittest.Recv(t, done, "the end of the hanging request"), context.Canceled)
	assert.Empty(t, s.Deliveries())
}
