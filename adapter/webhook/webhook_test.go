package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/webhook"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/webhookfake"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// fixed is a notification with every field set to a known value.
func fixed() proactive.Notification {
	return proactive.Notification{
		ID:            domain.MustParseID("01941f29-7c00-7000-8000-000000000001"),
		UserID:        domain.MustParseID("01941f29-7c00-7000-8000-000000000002"),
		Username:      "ada",
		CompanionID:   domain.MustParseID("01941f29-7c00-7000-8000-000000000003"),
		CompanionName: "Mira",
		ScheduleID:    domain.MustParseID("01941f29-7c00-7000-8000-000000000004"),
		TurnID:        domain.MustParseID("01941f29-7c00-7000-8000-000000000005"),
		Due:           time.Date(2025, 1, 2, 8, 0, 0, 0, time.UTC),
		Title:         "Mira wrote to you",
		Body:          "Open the chat to read it.",
		URL:           "https://hub.example/c/1",
		At:            time.Date(2025, 1, 2, 9, 0, 3, 0, time.FixedZone("CET", 3600)),
	}
}

// TestRequest: the documented headers and body, signed so that Verify accepts it.
func TestRequest(t *testing.T) {
	t.Parallel()
	fake := webhookfake.New(t, testSecret)
	require.NoError(t, newNotifier(t, fake).Notify(t.Context(), fixed()))
	got := fake.Deliveries()
	require.Len(t, got, 1)
	req := got[0]
	assert.True(t, req.Signed, "the receiver's own check")
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assert.Equal(t, "companionhub-webhook/1", req.Header.Get("User-Agent"))
	assert.Equal(t, "companion.wrote_first", req.Header.Get("X-CompanionHub-Event"))
	assert.Equal(t, "01941f29-7c00-7000-8000-000000000001", req.Header.Get("X-CompanionHub-Delivery"))
	assert.JSONEq(t, `{"type":"companion.wrote_first","id":"01941f29-7c00-7000-8000-000000000001","at":"2025-01-02T08:00:03Z",
		"user":{"id":"01941f29-7c00-7000-8000-000000000002","username":"ada"},
		"companion":{"id":"01941f29-7c00-7000-8000-000000000003","name":"Mira"},
		"schedule_id":"01941f29-7c00-7000-8000-000000000004","turn_id":"01941f29-7c00-7000-8000-000000000005",
		"due":"2025-01-02T08:00:00Z","title":"Mira wrote to you","body":"Open the chat to read it.","url":"https://hub.example/c/1"}`,
		string(req.Body))

	sig := req.Header.Get(webhook.SignatureHeader)
	require.NoError(t, webhook.Verify(testSecret, sig, req.Body, time.Now(), time.Minute))
	require.ErrorIs(t, webhook.Verify("another-secret-00000", sig, req.Body, time.Now(), time.Minute), webhook.ErrBadSignature)
	require.ErrorIs(t, webhook.Verify(testSecret, sig, req.Body, time.Now().Add(10*time.Minute), 5*time.Minute),
		webhook.ErrStaleSignature)

	// What the hub does not have is "".
	n := fixed()
	n.ScheduleID, n.TurnID, n.Due, n.URL = domain.ID{}, domain.ID{}, time.Time{}, ""
	require.NoError(t, newNotifier(t, fake).Notify(t.Context(), n))
	ev := fake.Deliveries()[1].Event
	require.NotNil(t, ev)
	assert.Equal(t, []string{"", "", "", ""}, []string{ev.ScheduleID, ev.TurnID, ev.Due, ev.URL})
}

// TestRetriesAreSignedAnew: each attempt carries its own timestamp, so that a receiver's
// tolerance is counted from the attempt, not from the first one; the delivery id stays.
func TestRetriesAreSignedAnew(t *testing.T) {
	t.Parallel()
	fake := webhookfake.New(t, testSecret)
	fake.Script(webhookfake.Fail(502))
	clock := clocktest.New(time.Now())
	n := newNotifier(t, fake, func(c *webhook.Config) {
		c.Clock = clock
		c.Sleep = func(ctx context.Context, d time.Duration) error {
			clock.Advance(d + time.Minute)
			return ctx.Err()
		}
	})
	require.NoError(t, n.Notify(t.Context(), fixed()))
	reqs := fake.Requests()
	require.Len(t, reqs, 2)
	first, second := reqs[0].Header.Get(webhook.SignatureHeader), reqs[1].Header.Get(webhook.SignatureHeader)
	assert.NotEqual(t, first, second)
	assert.Equal(t, reqs[0].Delivery, reqs[1].Delivery)
	assert.Equal(t, reqs[0].Body, reqs[1].Body, "the same event")
	require.NoError(t, webhook.Verify(testSecret, second, reqs[1].Body, clock.Now(), time.Second))
	require.ErrorIs(t, webhook.Verify(testSecret, first, reqs[0].Body, clock.Now(), time.Second), webhook.ErrStaleSignature)
}

// TestStaleClockIsRefused: a hub whose clock is off by more than the receiver tolerates is
// refused (401), and a refusal is not retried.
func TestStaleClockIsRefused(t *testing.T) {
	t.Parallel()
	fake := webhookfake.New(t, testSecret)
	n := newNotifier(t, fake, func(c *webhook.Config) { c.Clock = clocktest.New(time.Now().Add(-10 * time.Minute)) })
	err := n.Notify(t.Context(), fixed())
	require.Error(t, err)
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))
	assert.Contains(t, err.Error(), "HTTP 401")
	assert.Len(t, fake.Requests(), 1)
}

// TestRedirectIsNotFollowed: following would turn the POST into a GET (301, 302) or send the
// event where the operator did not say; the operator configures the final URL instead.
func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	for _, status := range []int{301, 302, 307, 308} {
		fake := webhookfake.New(t, testSecret)
		fake.Script(webhookfake.Redirect(status))
		err := newNotifier(t, fake).Notify(t.Context(), fixed())
		require.Error(t, err, status)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), status)
		assert.Len(t, fake.Requests(), 1, "%d was followed", status)
	}
}

// TestIncompleteNotification: nothing is sent without an id (receivers could not drop retries)
// or a person.
func TestIncompleteNotification(t *testing.T) {
	t.Parallel()
	fake := webhookfake.New(t, testSecret)
	n := newNotifier(t, fake)
	for _, edit := range []func(*proactive.Notification){
		func(n *proactive.Notification) { n.ID = domain.ID{} },
		func(n *proactive.Notification) { n.UserID = domain.ID{} },
	} {
		notification := fixed()
		edit(&notification)
		err := n.Notify(t.Context(), notification)
		require.Error(t, err)
		assert.Equal(t, domain.KindInternal, domain.KindOf(err))
	}
	assert.Empty(t, fake.Requests())
}

// TestErrorsNeverQuoteTheURL: a webhook URL may hold a token in its path.
func TestErrorsNeverQuoteTheURL(t *testing.T) {
	t.Parallel()
	gone := httptest.NewServer(http.NotFoundHandler())
	url := gone.URL + "/hooks/T0KEN-IN-THE-PATH"
	gone.Close()
	n, err := webhook.New(webhook.Config{URL: url, Secret: testSecret, Timeout: time.Second, Attempts: 2, Backoff: time.Millisecond,
		Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}, nil)
	require.NoError(t, err)
	err = n.Notify(t.Context(), fixed())
	require.Error(t, err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	assert.Contains(t, err.Error(), "attempt 2")
	assert.NotContains(t, err.Error(), "T0KEN-IN-THE-PATH")
}
