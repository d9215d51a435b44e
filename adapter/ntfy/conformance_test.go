package ntfy_test

import (
	"cmp"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/ntfy"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/notifiertest"
	"github.com/companionhub/companionhub/test/fakes/ntfyfake"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// testToken is the access token the tests' servers demand.
const testToken = "tk_test0123456789abcdefghijkl"

// testTopicKey is the key the tests' topics are derived with.
const testTopicKey = "topic-key-of-the-tests-0123456789"

// newNotifier returns a Notifier publishing to fake with testToken, pausing nowhere, changed by
// edit.
func newNotifier(t *testing.T, fake *ntfyfake.Server, edit ...func(*ntfy.Config)) *ntfy.Notifier {
	t.Helper()
	c := ntfy.DefaultConfig()
	c.BaseURL, c.Token, c.TopicKey = fake.URL(), testToken, testTopicKey
	c.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	for _, e := range edit {
		e(&c)
	}
	n, err := ntfy.New(c, fake.Client())
	require.NoError(t, err)
	return n
}

// TestConformance runs the suite against a server with access control, and against one without
// (ntfy.sh's way).
func TestConformance(t *testing.T) {
	t.Parallel()
	for _, token := range []string{testToken, ""} {
		notifiertest.Run(t, notifiertest.Harness{
			New: func(t *testing.T, c notifiertest.Config) (proactive.Notifier, notifiertest.Receiver) {
				var opts []ntfyfake.Option
				if token != "" {
					opts = append(opts, ntfyfake.WithToken(token))
				}
				fake := ntfyfake.New(t, opts...)
				n, err := ntfy.New(ntfy.Config{BaseURL: fake.URL(), Token: secret.String(token), Timeout: c.Timeout,
					TopicPrefix: ntfy.DefaultTopicPrefix, TopicKey: testTopicKey, Priority: 3, Attempts: c.Attempts, Backoff: time.Second, Sleep: c.Sleep},
					fake.Client())
				require.NoError(t, err)
				return n, receiver{fake}
			},
			Secret: cmp.Or(token, testTopicKey),
		})
	}
}

// receiver shows the fake to the suite.
type receiver struct{ fake *ntfyfake.Server }

func (r receiver) Received() []notifiertest.Delivery {
	var out []notifiertest.Delivery
	for _, req := range r.fake.Requests() {
		d := notifiertest.Delivery{Raw: req.Body}
		if m := req.Message; m != nil {
			d.Accepted, d.Title, d.Body, d.URL = true, m.Title, m.Message, m.Click
		}
		out = append(out, d)
	}
	return out
}

func (r receiver) Arrived(n int) <-chan struct{} { return r.fake.Arrived(n) }

func (r receiver) Fail(fs ...notifiertest.Failure) {
	for _, f := range fs {
		r.fake.Script(ntfyfake.Behaviour{Status: f.Status, RetryAfter: f.RetryAfter, Detail: f.Detail, Hang: f.Hang})
	}
}
