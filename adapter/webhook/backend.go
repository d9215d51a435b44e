package webhook

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/retrypolicy"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// Options are the backend's own settings, beside the notification settings every notifier reads.
type Options struct {
	Attempts int           `env:"NOTIFY_WEBHOOK_ATTEMPTS" help:"attempts of one webhook delivery, the first included (1–10); transport errors, timeouts, 408, 425, 429 and 5xx are retried"`
	Backoff  time.Duration `env:"NOTIFY_WEBHOOK_BACKOFF" help:"pause before the webhook's first retry, doubling after each (up to 8s; a Retry-After on 429 or 503 is honoured up to 30s)"`
}

// DefaultOptions make 4 attempts, pausing 500ms at first.
func DefaultOptions() Options {
	p := retrypolicy.Default()
	return Options{Attempts: p.Attempts, Backoff: p.Backoff}
}

// Validate checks the retry policy: Attempts 1–10, Backoff positive and at most 8s.
func (o Options) Validate() error {
	return retrypolicy.Policy{Attempts: o.Attempts, Backoff: o.Backoff}.Validate()
}

// Backend describes the webhook to a catalogue of notifiers: named "webhook", it reads the
// notification settings — the base URL is the receiver's URL (required), the API key the secret
// that signs the deliveries (required, at least 16 bytes), the timeout bounds each attempt; the
// model is not used — and its Options.
func Backend() backend.Backend[proactive.Notifier] {
	config := func(s backend.Settings, o Options) Config {
		c := DefaultConfig()
		c.URL, c.Secret, c.Timeout, c.Attempts, c.Backoff = s.BaseURL, s.APIKey, s.Timeout, o.Attempts, o.Backoff
		return c
	}
	return backend.Backend[proactive.Notifier]{
		Name: "webhook",
		Config: func() backend.Config {
			o := DefaultOptions()
			return &o
		},
		// The catalogue checks the Timeout, and the Options are checked on their own; this checks
		// what the notifier needs besides, so that nothing is reported twice.
		Validate: func(s backend.Settings) error {
			c := config(s, DefaultOptions())
			c.Timeout = DefaultConfig().Timeout
			return c.Validate()
		},
		Open: func(_ context.Context, s backend.Settings, own backend.Config, d backend.Deps) (proactive.Notifier, func(), error) {
			o, ok := own.(*Options)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "webhook: settings of type %T", own)
			}
			n, err := New(config(s, *o), d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return n, nil, nil
		},
	}
}
