package notifiertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/contract/porttest"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// notification is what the proactive use case sends when Mira writes first.
func notification() proactive.Notification {
	now := time.Now().UTC()
	companion := domain.NewID(now)
	return proactive.Notification{
		ID: domain.NewID(now), UserID: domain.NewID(now), Username: "ada",
		CompanionID: companion, CompanionName: "Mira",
		ScheduleID: domain.NewID(now), TurnID: domain.NewID(now), Due: now.Truncate(time.Minute),
		Title: "Mira wrote to you", Body: "Open the chat to read it.",
		URL: "https://hub.example/companions/" + companion.String() + "/chat", At: now,
	}
}

// notify runs n through the notifier on its own goroutine, so that a notifier that never returns
// fails the test instead of hanging it.
func notify(t *testing.T, ctx context.Context, nt proactive.Notifier, n proactive.Notification) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- nt.Notify(ctx, n) }()
	return awaittest.Recv(t, done, "Notify's return")
}

// requireDelivered checks that d is n as a person would read it.
func requireDelivered(t *testing.T, h Harness, d Delivery, n proactive.Notification) {
	t.Helper()
	require.True(t, d.Accepted, "the receiver did not take the delivery")
	assert.Equal(t, n.Title, d.Title)
	assert.Equal(t, n.Body, d.Body, "the body is the notification's words, and nothing of the conversation")
	assert.Equal(t, n.URL, d.URL)
	if h.DeliveryIDs {
		assert.Equal(t, n.ID.String(), d.ID, "the delivery id is the notification's")
	}
	if h.Secret != "" {
		assert.NotContains(t, string(d.Raw), h.Secret, "the secret is never sent in the body")
	}
}

func testDelivers(t *testing.T, h Harness) {
	p := &pauses{}
	nt, rcv := h.New(t, config(p))
	n := notification()
	require.NoError(t, notify(t, t.Context(), nt, n))
	got := rcv.Received()
	require.Len(t, got, 1, "one notification, one request")
	requireDelivered(t, h, got[0], n)

	// Accents and emoji arrive intact; a hub that does not know its address sends no URL.
	other := notification()
	other.CompanionName, other.Title, other.Body, other.URL = "Zoë", "Zoë wrote to you 🌧️", "Öffne den Chat — sie wartet. 💬", ""
	require.NoError(t, notify(t, t.Context(), nt, other))
	got = rcv.Received()
	require.Len(t, got, 2)
	requireDelivered(t, h, got[1], other)
	assert.Empty(t, p.all(), "nothing was retried")
}

func testRetriesServerError(t *testing.T, h Harness) {
	p := &pauses{}
	nt, rcv := h.New(t, config(p))
	rcv.Fail(Failure{Status: http.StatusInternalServerError})
	n := notification()
	require.NoError(t, notify(t, t.Context(), nt, n))
	got := rcv.Received()
	require.Len(t, got, 2, "the 500 was retried once")
	assert.False(t, got[0].Accepted)
	require.Len(t, accepted(got), 1, "delivered once")
	requireDelivered(t, h, got[1], n)
	if h.DeliveryIDs {
		assert.Equal(t, got[0].ID, got[1].ID, "a retry is the same delivery")
	}
	require.Len(t, p.all(), 1)
	assert.Positive(t, p.all()[0], "a retry comes after a pause")
}

func testPausesGrow(t *testing.T, h Harness) {
	p := &pauses{}
	nt, rcv := h.New(t, config(p))
	rcv.Fail(Failure{Status: 502}, Failure{Status: 503}, Failure{Status: 504})
	require.NoError(t, notify(t, t.Context(), nt, notification()))
	assert.Len(t, rcv.Received(), 4)
	ds := p.all()
	require.Len(t, ds, 3)
	for i := 1; i < len(ds); i++ {
		assert.GreaterOrEqual(t, ds[i], ds[i-1], "pauses %v shrink", ds)
	}
}

func testRetryAfter(t *testing.T, h Harness) {
	for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			p := &pauses{}
			nt, rcv := h.New(t, config(p))
			rcv.Fail(Failure{Status: status, RetryAfter: "7"})
			n := notification()
			require.NoError(t, notify(t, t.Context(), nt, n))
			got := rcv.Received()
			require.Len(t, got, 2, "the %d was retried", status)
			requireDelivered(t, h, got[1], n)
			require.Len(t, p.all(), 1)
			assert.GreaterOrEqual(t, p.all()[0], 7*time.Second, "the pause honours Retry-After")
		})
	}
}

func testKeepsFailing(t *testing.T, h Harness) {
	p := &pauses{}
	c := config(p)
	c.Attempts = 3
	nt, rcv := h.New(t, c)
	rcv.Fail(Failure{Status: 500}, Failure{Status: 500}, Failure{Status: 500}, Failure{Status: 500})
	err := notify(t, t.Context(), nt, notification())
	require.Error(t, err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "kind of %v", err)
	assert.Len(t, rcv.Received(), 3, "as many requests as attempts")
	assert.Empty(t, accepted(rcv.Received()))
	assert.Len(t, p.all(), 2)
}

func testRefusal(t *testing.T, h Harness) {
	for _, status := range []int{400, 403, 404, 422} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			p := &pauses{}
			nt, rcv := h.New(t, config(p))
			rcv.Fail(Failure{Status: status})
			err := notify(t, t.Context(), nt, notification())
			require.Error(t, err)
			assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "kind of %v", err)
			assert.Len(t, rcv.Received(), 1, "a refusal is not retried")
			assert.Empty(t, p.all())
		})
	}
}

func testHang(t *testing.T, h Harness) {
	p := &pauses{}
	c := config(p)
	c.Attempts, c.Timeout = 2, 100*time.Millisecond
	nt, rcv := h.New(t, c)
	rcv.Fail(Failure{Hang: true}, Failure{Hang: true})
	err := notify(t, t.Context(), nt, notification())
	require.Error(t, err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "kind of %v", err)
	assert.NotErrorIs(t, err, context.Canceled, "nobody cancelled: the timeout ended it")
	assert.Len(t, rcv.Received(), 2, "each attempt timed out, then the next was made")
	assert.Empty(t, accepted(rcv.Received()))
}

func testCancelledBefore(t *testing.T, h Harness) {
	p := &pauses{}
	nt, rcv := h.New(t, config(p))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := notify(t, ctx, nt, notification())
	porttest.RequireCancelled(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, rcv.Received(), "nothing is sent with a cancelled context")
}

func testCancelDuringPause(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var asked int
	c := Config{Attempts: 4, Timeout: 30 * time.Second, Sleep: func(ctx context.Context, _ time.Duration) error {
		asked++ // one goroutine: Notify's
		cancel()
		return ctx.Err()
	}}
	nt, rcv := h.New(t, c)
	rcv.Fail(Failure{Status: 500}, Failure{Status: 500}, Failure{Status: 500}, Failure{Status: 500})
	err := notify(t, ctx, nt, notification())
	porttest.RequireCancelled(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, asked)
	assert.Len(t, rcv.Received(), 1, "no attempt after the cancellation")
}

func testCancelDuringAttempt(t *testing.T, h Harness) {
	p := &pauses{}
	nt, rcv := h.New(t, config(p))
	rcv.Fail(Failure{Hang: true})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- nt.Notify(ctx, notification()) }()
	awaittest.Closed(t, rcv.Arrived(1), "the hanging attempt")
	cancel()
	err := awaittest.Recv(t, done, "Notify's return after the cancellation")
	porttest.RequireCancelled(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, rcv.Received(), 1, "no attempt after the cancellation")
	assert.Empty(t, p.all())
}

// testSecrets makes the notifier fail every way it can, with a receiver that quotes the secret.
func testSecrets(t *testing.T, h Harness) {
	if h.Secret == "" {
		t.Skip("the notifier holds no secret")
	}
	quoting := "the credential " + h.Secret + " is not welcome here"
	for name, fail := range map[string][]Failure{
		"refused":       {{Status: 403, Detail: quoting}},
		"kept failing":  {{Status: 500, Detail: quoting}, {Status: 503, Detail: quoting}},
		"rate limited":  {{Status: 429, Detail: quoting, RetryAfter: "1"}, {Status: 429, Detail: quoting}},
		"never answers": {{Hang: true}, {Hang: true}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := &pauses{}
			c := config(p)
			c.Attempts, c.Timeout = 2, 100*time.Millisecond
			nt, rcv := h.New(t, c)
			rcv.Fail(fail...)
			err := notify(t, t.Context(), nt, notification())
			require.Error(t, err)
			requireNoSecret(t, h, err)
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		nt, rcv := h.New(t, config(&pauses{}))
		rcv.Fail(Failure{Hang: true})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- nt.Notify(ctx, notification()) }()
		awaittest.Closed(t, rcv.Arrived(1), "the hanging attempt")
		cancel()
		err := awaittest.Recv(t, done, "Notify's return after the cancellation")
		require.Error(t, err)
		requireNoSecret(t, h, err)
	})
}

func requireNoSecret(t *testing.T, h Harness, err error) {
	t.Helper()
	for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%v", errors.Unwrap(err))} {
		require.NotContains(t, text, h.Secret, "an error quotes the secret")
	}
	if e := domain.AsError(err); e != nil {
		require.NotContains(t, e.Message, h.Secret)
	}
}

func testConcurrent(t *testing.T, h Harness) {
	nt, rcv := h.New(t, config(&pauses{}))
	ns := make([]proactive.Notification, 4)
	errs := make([]error, len(ns))
	var wg sync.WaitGroup
	for i := range ns {
		ns[i] = notification()
		ns[i].Title = fmt.Sprintf("Companion %d wrote to you", i+1)
		wg.Go(func() { errs[i] = nt.Notify(t.Context(), ns[i]) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "notification %d", i)
	}
	got := accepted(rcv.Received())
	require.Len(t, got, len(ns))
	for _, n := range ns {
		count := 0
		for _, d := range got {
			if d.Title == n.Title {
				count++
				requireDelivered(t, h, d, n)
			}
		}
		assert.Equal(t, 1, count, "%q delivered once", n.Title)
	}
}
