package ntfy_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/ntfy"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/fakes/ntfyfake"
	"github.com/companionhub/companionhub/usecase/proactive"
)

var userID = domain.MustParseID("01941f29-7c00-7000-8000-000000000002")

func notification() proactive.Notification {
	return proactive.Notification{
		ID: domain.MustParseID("01941f29-7c00-7000-8000-000000000001"), UserID: userID, Username: "ada",
		CompanionID: domain.MustParseID("01941f29-7c00-7000-8000-000000000003"), CompanionName: "Mira",
		Title: "Mira wrote to you", Body: "Open the chat to read it.", URL: "https://hub.example/c/1",
		At: time.Date(2025, 1, 2, 8, 0, 3, 0, time.UTC),
	}
}

// TestRequest: what ntfy is sent, and what it publishes from it.
func TestRequest(t *testing.T) {
	t.Parallel()
	fake := ntfyfake.New(t, ntfyfake.WithToken(testToken))
	require.NoError(t, newNotifier(t, fake).Notify(t.Context(), notification()))
	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	h := reqs[0].Header
	assert.Equal(t, "Bearer "+testToken, h.Get("Authorization"))
	assert.Equal(t, "Mira wrote to you", h.Get("Title"), "ASCII goes as it is")
	assert.Equal(t, "https://hub.example/c/1", h.Get("Click"))
	assert.Equal(t, "speech_balloon", h.Get("Tags"))
	assert.Equal(t, "3", h.Get("X-Priority"))
	assert.Empty(t, h.Get("Priority"), "RFC 9218's header is left to proxies")
	assert.Equal(t, "text/plain; charset=utf-8", h.Get("Content-Type"))
	assert.Equal(t, "companionhub-ntfy/1", h.Get("User-Agent"))
	assert.Equal(t, "Open the chat to read it.", string(reqs[0].Body))

	msgs := fake.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, ntfyfake.Message{ID: msgs[0].ID, Time: msgs[0].Time, Expires: msgs[0].Expires, Event: "message",
		Topic: "companionhub-beqqq5nm4xv4tspfr4jum5ndilpwpevj", Title: "Mira wrote to you",
		Message: "Open the chat to read it.", Priority: 3, Tags: []string{"speech_balloon"}, Click: "https://hub.example/c/1"}, msgs[0])
}

// TestUnicodeTitle: a title that is not ASCII goes as RFC 2047 encoded words, which ntfy decodes.
func TestUnicodeTitle(t *testing.T) {
	t.Parallel()
	fake := ntfyfake.New(t)
	n := notification()
	n.Title, n.URL = "Zoë wrote to you — \"come back\" 🌧️\r\nX-Evil: 1", ""
	require.NoError(t, newNotifier(t, fake, func(c *ntfy.Config) { c.Token, c.Priority = "", 5 }).Notify(t.Context(), n))
	h := fake.Requests()[0].Header
	assert.True(t, strings.HasPrefix(h.Get("Title"), "=?utf-8?b?"), h.Get("Title"))
	assert.Empty(t, h.Get("X-Evil"), "no header injection")
	assert.Empty(t, h.Get("Authorization"), "no token, no credentials")
	assert.Empty(t, h.Get("Click"), "no URL, no click action")
	msg := fake.Messages()[0]
	assert.Equal(t, n.Title, msg.Title)
	assert.Empty(t, msg.Click)
	assert.Equal(t, 5, msg.Priority)
}

// TestAddress: the topic URL a person subscribes to is where their notifications go.
func TestAddress(t *testing.T) {
	t.Parallel()
	fake := ntfyfake.New(t)
	n := newNotifier(t, fake)
	addr := n.Address(userID, "ada")
	assert.Equal(t, fake.URL()+"/companionhub-beqqq5nm4xv4tspfr4jum5ndilpwpevj", addr)
	require.NoError(t, n.Notify(t.Context(), notification()))
	assert.Equal(t, addr, fake.URL()+"/"+fake.Messages()[0].Topic)
	assert.Empty(t, n.Address(domain.ID{}, "ada"), "no one, no address")

	// The topic is the prefix and HMAC-SHA256(key, user id) in base32, its first 32 characters.
	const topic = "hub_beqqq5nm4xv4tspfr4jum5ndilpwpevj"
	for base, want := range map[string]string{
		"":                           "https://ntfy.sh/" + topic,
		"https://push.example/ntfy/": "https://push.example/ntfy/" + topic,
		"http://10.0.0.5:8080":       "http://10.0.0.5:8080/" + topic,
	} {
		c := ntfy.DefaultConfig()
		c.BaseURL, c.TopicPrefix, c.TopicKey = base, "hub_", testTopicKey
		other, err := ntfy.New(c, nil)
		require.NoError(t, err)
		assert.Equal(t, want, other.Address(userID, "ada"), base)
	}

	// Knowing someone's user id is not knowing their topic: without the key it cannot be made.
	c := ntfy.DefaultConfig()
	c.TopicKey = testTopicKey + "-another"
	other, err := ntfy.New(c, nil)
	require.NoError(t, err)
	assert.NotContains(t, other.Address(userID, "ada"), userID.String())
	assert.NotEqual(t, "https://ntfy.sh/companionhub-"+topic[len("hub_"):], other.Address(userID, "ada"), "another key, another topic")
	assert.NotEqual(t, other.Address(userID, "ada"), other.Address(domain.MustParseID("01941f29-7c00-7000-8000-000000000003"), "bo"))

	c.TopicKey = "short"
	_, err = ntfy.New(c, nil)
	require.ErrorContains(t, err, "TopicKey", "a key too short to keep topics unguessable is refused")
}

// TestCredentials: a wrong token (401) and a missing one on a server with access control (403)
// are refusals, not retried, and the errors say ntfy's codes, never the token.
func TestCredentials(t *testing.T) {
	t.Parallel()
	for token, code := range map[string]string{"tk_wrong0123456789abcdefghij": "40101", "": "40301"} {
		fake := ntfyfake.New(t, ntfyfake.WithToken(testToken))
		err := newNotifier(t, fake, func(c *ntfy.Config) { c.Token = secret.String(token) }).Notify(t.Context(), notification())
		require.Error(t, err)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
		assert.Contains(t, err.Error(), "code "+code)
		if token != "" {
			assert.NotContains(t, err.Error(), token)
		}
		assert.Len(t, fake.Requests(), 1, "a refusal is not retried")
		assert.Empty(t, fake.Messages())
	}
}

// TestRateLimit: ntfy's 429 (without Retry-After) is retried with the backoff; one that lasts is
// unavailable.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	fake := ntfyfake.New(t, ntfyfake.WithRequestLimit(1, time.Hour))
	var pauses []time.Duration
	n := newNotifier(t, fake, func(c *ntfy.Config) {
		c.Sleep = func(_ context.Context, d time.Duration) error {
			pauses = append(pauses, d)
			return nil
		}
	})
	require.NoError(t, n.Notify(t.Context(), notification()))
	err := n.Notify(t.Context(), notification())
	require.Error(t, err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	assert.Contains(t, err.Error(), "code 42901")
	assert.Len(t, fake.Requests(), 1+ntfy.DefaultConfig().Attempts)
	assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}, pauses)
}

// TestNotAnAnswer: a 200 that is not ntfy's message (a proxy's page) is not taken for a
// publication, and not retried (it may have reached ntfy).
func TestNotAnAnswer(t *testing.T) {
	t.Parallel()
	fake := ntfyfake.New(t)
	fake.Script(ntfyfake.Page())
	err := newNotifier(t, fake).Notify(t.Context(), notification())
	require.Error(t, err)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
	assert.True(t, errors.Is(err, domain.E(domain.KindInternal, "notify_bad_answer", "")), "%v", err)
	assert.Len(t, fake.Requests(), 1)
}

// TestRedirectIsNotFollowed: following a redirect would GET the topic's web page, which answers
// 200.
func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	fake := ntfyfake.New(t)
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, fake.URL()+r.URL.Path, http.StatusMovedPermanently)
	}))
	t.Cleanup(redirecting.Close)
	n, err := ntfy.New(ntfy.Config{BaseURL: redirecting.URL, Timeout: time.Minute, TopicPrefix: "x-", TopicKey: testTopicKey,
		Priority: 3, Attempts: 2, Backoff: time.Second}, nil)
	require.NoError(t, err)
	err = n.Notify(t.Context(), notification())
	require.Error(t, err)
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
	assert.Contains(t, err.Error(), "HTTP 301")
	assert.Empty(t, fake.Requests())
}

// TestNoOne: a notification for no one is sent nowhere.
func TestNoOne(t *testing.T) {
	t.Parallel()
	fake := ntfyfake.New(t)
	n := notification()
	n.UserID = domain.ID{}
	err := newNotifier(t, fake).Notify(t.Context(), n)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
	assert.Empty(t, fake.Requests())
}
