package ntfy

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/retrypolicy"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// Options are the backend's own settings, beside the notification settings every notifier reads.
type Options struct {
	TopicPrefix string        `env:"NOTIFY_NTFY_TOPIC_PREFIX" help:"what comes before each person's part in their ntfy topic (letters, digits, - and _; at most 32)"`
	TopicKey    secret.String `env:"NOTIFY_NTFY_TOPIC_KEY" help:"secret (at least 16 bytes, e.g. openssl rand -hex 32) that each person's ntfy topic is derived from with their user id; required with ntfy, changing it moves everyone to a new topic"`
	Priority    int           `env:"NOTIFY_NTFY_PRIORITY" help:"priority of the ntfy notifications, 1 (min) to 5 (max; 3 is ntfy's default)"`
	Attempts    int           `env:"NOTIFY_NTFY_ATTEMPTS" help:"attempts of one ntfy publication, the first included (1–10); transport errors, timeouts, 408, 425, 429 and 5xx are retried"`
	Backoff     time.Duration `env:"NOTIFY_NTFY_BACKOFF" help:"pause before the first retry of an ntfy publication, doubling after each (up to 8s; a Retry-After on 429 or 503 is honoured up to 30s)"`
}

// DefaultOptions use DefaultTopicPrefix and DefaultPriority, and make 4 attempts pausing 500ms at
// first.
func DefaultOptions() Options {
	p := retrypolicy.Default()
	return Options{TopicPrefix: DefaultTopicPrefix, Priority: DefaultPriority, Attempts: p.Attempts, Backoff: p.Backoff}
}

// Validate checks the options (Config.Validate's rules).
func (o Options) Validate() error {
	if err := checkOptions(o.TopicPrefix, o.Priority); err != nil {
		return err
	}
	if err := checkTopicKey(o.TopicKey); err != nil {
		return err
	}
	return retrypolicy.Policy{Attempts: o.Attempts, Backoff: o.Backoff}.Validate()
}

// Backend describes the ntfy notifier to a catalogue of notifiers: named "ntfy", it reads the
// notification settings — the base URL is the ntfy server (empty: https://ntfy.sh), the API key an
// access token (optional), the timeout bounds each attempt; the model is not used — and its
// Options. The notifier it opens is also a proactive.Addresser.
func Backend() backend.Backend[proactive.Notifier] {
	config := func(s backend.Settings, o Options) Config {
		c := DefaultConfig()
		c.BaseURL, c.Token, c.Timeout = s.BaseURL, s.APIKey, s.Timeout
		c.TopicPrefix, c.TopicKey, c.Priority, c.Attempts, c.Backoff = o.TopicPrefix, o.TopicKey, o.Priority, o.Attempts, o.Backoff
		return c
	}
	return backend.Backend[proactive.Notifier]{
		Name: "ntfy",
		Config: func() backend.Config {
			o := DefaultOptions()
			return &o
		},
		// The catalogue checks the Timeout, and the Options are checked on their own; this checks
		// what the notifier needs besides (the server and the token), so that nothing is reported
		// twice.
		Validate: func(s backend.Settings) error { return config(s, DefaultOptions()).checkServer() },
		Open: func(_ context.Context, s backend.Settings, own backend.Config, d backend.Deps) (proactive.Notifier, func(), error) {
			o, ok := own.(*Options)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "ntfy: settings of type %T", own)
			}
			n, err := New(config(s, *o), d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return n, nil, nil
		},
	}
}
