// Package notifiertest is the conformance suite of the proactive.Notifier port. Every notifier
// runs it against a receiver it controls — a faithful local fake of its service — so that the
// proactive use case, tested with any of them, can rely on what the others do:
//
//	func TestConformance(t *testing.T) {
//		t.Parallel()
//		notifiertest.Run(t, notifiertest.Harness{
//			New: func(t *testing.T, c notifiertest.Config) (proactive.Notifier, notifiertest.Receiver) {
//				fake := webhookfake.New(t, secret)
//				n, err := webhook.New(webhook.Config{URL: fake.URL(), Secret: secret, Timeout: c.Timeout,
//					Attempts: c.Attempts, Backoff: time.Second, Sleep: c.Sleep}, fake.Client())
//				require.NoError(t, err)
//				return n, receiver{fake}
//			},
//			Secret: secret, DeliveryIDs: true,
//		})
//	}
//
// What it checks, in port terms:
//   - a notification arrives once, with its title, body and URL exactly (a URL may be absent;
//     accents and emoji arrive intact), and its body is the notification's words only;
//   - a failure worth retrying (a 500, a 429 or 503 with Retry-After) is retried and the
//     notification delivered once, as the same delivery when the protocol has delivery ids; the
//     pause before the retry is at least what Retry-After asked, and pauses do not shrink;
//   - a receiver that keeps failing makes it KindUnavailable after the attempts;
//   - a refusal (400, 403, 404, 422) is KindInvalid at once, with no retry;
//   - a receiver that never answers costs at most the timeout per attempt: KindUnavailable;
//   - a cancelled context stops the delivery — before it starts, during a pause, during an
//     attempt — and its error says so (context.Canceled);
//   - no error holds the notifier's secret, even when the receiver quotes it (Harness.Secret);
//   - concurrent notifications are each delivered once.
//
// Nothing is measured by the wall clock: the suite gives the notifier a Sleep that returns at
// once and records the pauses asked for, and waits only for conditions (bounded by awaittest).
package notifiertest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/usecase/proactive"
)

// Harness builds the notifier under test and the receiver it delivers to.
type Harness struct {
	// New starts a receiver (cleaned up through t) and returns a notifier delivering to it with
	// c's settings. It is called once per subtest; the notifier must be safe for concurrent use.
	New func(t *testing.T, c Config) (proactive.Notifier, Receiver)
	// Secret is the credential the notifier holds (a signing secret, an access token), which no
	// error may quote; "" when it holds none.
	Secret string
	// DeliveryIDs: the receiver sees the notification's ID with every attempt (a webhook's
	// delivery header), so that it can tell a retry from a new notification.
	DeliveryIDs bool
}

// Config are the notifier's settings a subtest chooses; the harness passes them on.
type Config struct {
	// Attempts is the most attempts of one delivery.
	Attempts int
	// Timeout bounds each attempt.
	Timeout time.Duration
	// Sleep replaces the notifier's pauses between attempts: it returns at once (ctx's error when
	// ctx ended) and records what was asked.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Receiver is the fake the notifier delivers to, seen in port terms.
type Receiver interface {
	// Received returns every request the receiver got, accepted or not, oldest first.
	Received() []Delivery
	// Arrived returns a channel closed once n requests have arrived.
	Arrived(n int) <-chan struct{}
	// Fail scripts the answers to the next requests, one each; later ones are accepted.
	Fail(fs ...Failure)
}

// Failure is a scripted answer.
type Failure struct {
	// Status answers with the receiver's error of that status.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Detail is text the receiver puts in its error answer ("": its own).
	Detail string
	// Hang never answers (until the client leaves).
	Hang bool
}

// Delivery is one request as the receiver got it.
type Delivery struct {
	// Accepted: the receiver took it (answered success).
	Accepted bool
	// ID is the delivery id the receiver saw ("" when the protocol has none).
	ID string
	// Title, Body and URL are what a person would read and open.
	Title, Body, URL string
	// Raw is the request's body as received.
	Raw []byte
}

// Run runs the suite. Subtests run in parallel.
func Run(t *testing.T, h Harness) {
	require.NotNil(t, h.New, "Harness.New is required")
	require.True(t, h.Secret == "" || len(h.Secret) >= 8, "Harness.Secret must be distinctive enough to search for")
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"DeliversTitleBodyAndURL", testDelivers},
		{"RetriesAServerError", testRetriesServerError},
		{"PausesDoNotShrink", testPausesGrow},
		{"HonoursRetryAfter", testRetryAfter},
		{"KeepsFailingIsUnavailable", testKeepsFailing},
		{"RefusalIsInvalid", testRefusal},
		{"HangEndsWithinTheTimeout", testHang},
		{"CancelledBeforeSendsNothing", testCancelledBefore},
		{"CancelDuringPauseStopsRetries", testCancelDuringPause},
		{"CancelDuringAttemptStopsIt", testCancelDuringAttempt},
		{"SecretsNeverInErrors", testSecrets},
		{"ConcurrentNotifications", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, h)
		})
	}
}

// pauses records the pauses a notifier asks for, and returns at once.
type pauses struct {
	mu sync.Mutex
	ds []time.Duration
}

func (p *pauses) sleep(ctx context.Context, d time.Duration) error {
	p.mu.Lock()
	p.ds = append(p.ds, d)
	p.mu.Unlock()
	return ctx.Err()
}

func (p *pauses) all() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ds)
}

// config is the subtests' usual settings: four attempts, a generous timeout, recorded pauses.
func config(p *pauses) Config {
	return Config{Attempts: 4, Timeout: 30 * time.Second, Sleep: p.sleep}
}

// accepted filters the deliveries the receiver took.
func accepted(ds []Delivery) []Delivery {
	return slices.DeleteFunc(slices.Clone(ds), func(d Delivery) bool { return !d.Accepted })
}
