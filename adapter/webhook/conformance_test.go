package webhook_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/webhook"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/notifiertest"
	"github.com/companionhub/companionhub/test/fakes/webhookfake"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// testSecret is the signing secret the tests' receivers verify with.
const testSecret = "whsec-test-0123456789abcdef"

// newNotifier returns a Notifier delivering to fake with testSecret, pausing nowhere, changed by
// edit.
func newNotifier(t *testing.T, fake *webhookfake.Server, edit ...func(*webhook.Config)) *webhook.Notifier {
	t.Helper()
	c := webhook.DefaultConfig()
	c.URL, c.Secret = fake.URL(), testSecret
	c.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	for _, e := range edit {
		e(&c)
	}
	n, err := webhook.New(c, fake.Client())
	require.NoError(t, err)
	return n
}

func TestConformance(t *testing.T) {
	t.Parallel()
	notifiertest.Run(t, notifiertest.Harness{
		New: func(t *testing.T, c notifiertest.Config) (proactive.Notifier, notifiertest.Receiver) {
			fake := webhookfake.New(t, testSecret)
			n, err := webhook.New(webhook.Config{URL: fake.URL(), Secret: secret.String(testSecret), Timeout: c.Timeout,
				Attempts: c.Attempts, Backoff: time.Second, Sleep: c.Sleep}, fake.Client())
			require.NoError(t, err)
			return n, receiver{fake}
		},
		Secret: testSecret, DeliveryIDs: true,
	})
}

// receiver shows the fake to the suite.
type receiver struct{ fake *webhookfake.Server }

func (r receiver) Received() []notifiertest.Delivery {
	var out []notifiertest.Delivery
	for _, req := range r.fake.Requests() {
		d := notifiertest.Delivery{Accepted: req.Status == 200, ID: req.Delivery, Raw: req.Body}
		if req.Event != nil {
			d.Title, d.Body, d.URL = req.Event.Title, req.Event.Body, req.Event.URL
		}
		out = append(out, d)
	}
	return out
}

func (r receiver) Arrived(n int) <-chan struct{} { return r.fake.Arrived(n) }

func (r receiver) Fail(fs ...notifiertest.Failure) {
	for _, f := range fs {
		r.fake.Script(webhookfake.Behaviour{Status: f.Status, RetryAfter: f.RetryAfter, Detail: f.Detail, Hang: f.Hang})
	}
}
