// Package webhook is the proactive.Notifier that POSTs a signed JSON event to a URL of the
// operator's choosing — their own service, an automation tool, a chat bridge — when a companion
// writes to someone first.
//
// # The request
//
//	POST <NOTIFY_BASE_URL>
//	Content-Type: application/json
//	User-Agent: companionhub-webhook/1
//	X-CompanionHub-Event: companion.wrote_first
//	X-CompanionHub-Delivery: <the notification's id, the same on every retry>
//	X-CompanionHub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>
//
//	{"type":"companion.wrote_first","id":"…","at":"2025-01-02T08:00:03Z",
//	 "user":{"id":"…","username":"ada"},"companion":{"id":"…","name":"Mira"},
//	 "schedule_id":"…","turn_id":"…","due":"2025-01-02T08:00:00Z",
//	 "title":"Mira wrote to you","body":"Open the chat to read it.","url":"https://hub.example/…"}
//
// Times are RFC 3339 in UTC; an id the hub does not have is "", and so is url when the hub does
// not know its public address. The event carries no words of the conversation: who wrote, and
// where to read it.
//
// # Verifying a delivery
//
// The signature is Stripe's scheme: v1 is the hex HMAC-SHA256, keyed with the shared secret
// (NOTIFY_API_KEY), of the timestamp t, a dot, and the body exactly as received:
//
//	v1 = hex(HMAC-SHA256(secret, t + "." + body))
//
// A receiver recomputes it over the raw body before decoding it, compares in constant time, and
// refuses a t more than a few minutes from its clock — the timestamp is what stops a recorded
// delivery from being replayed later; each retry is signed anew. Verify does all of this for
// receivers written in Go. The delivery id lets a receiver drop a retry of a delivery it already
// took (its answer may have been lost).
//
// # Answers and retries
//
// Any 2xx is success (the body is read, bounded, and ignored). Transport errors, timeouts (the
// feature's Timeout bounds each attempt), 408, 425, 429 and 5xx are retried — Attempts in all,
// pausing Backoff, doubling up to 8 s, or as long as Retry-After asks on 429 and 503 (up to 30 s)
// — within the caller's context; what still fails is KindUnavailable. Any other 4xx is a refusal,
// KindInvalid at once. A redirect is not followed (it would turn the POST into a GET, or send the
// event somewhere unsigned-for): it is refused like a 4xx, and the operator configures the final
// URL. Errors never hold the URL (it may carry a token in its path) or the secret.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/internal/retrypolicy"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/proactive"
)

var _ proactive.Notifier = (*Notifier)(nil)

// The request's fixed parts.
const (
	EventType       = "companion.wrote_first"
	UserAgent       = "companionhub-webhook/1"
	EventHeader     = "X-CompanionHub-Event"
	DeliveryHeader  = "X-CompanionHub-Delivery"
	MinSecretLength = 16
)

// Config locates the receiver. A hub fills it from its notification settings and the backend's
// Options; an embedder may fill it in code.
type Config struct {
	// URL is the receiver's endpoint, an absolute http(s) URL without credentials, query or
	// fragment.
	URL string
	// Secret keys the signatures; at least MinSecretLength bytes.
	Secret secret.String
	// Timeout bounds each attempt.
	Timeout time.Duration
	// Attempts and Backoff are the retry policy (see the package documentation).
	Attempts int
	Backoff  time.Duration
	// Sleep pauses between attempts (nil: a timer); tests replace it so that they need not wait.
	Sleep func(ctx context.Context, d time.Duration) error
	// Clock dates the signatures (nil: the system clock).
	Clock usecase.Clock
}

// DefaultConfig allows ten seconds an attempt and the default retry policy; the URL and secret
// are left to fill.
func DefaultConfig() Config {
	p := retrypolicy.Default()
	return Config{Timeout: 10 * time.Second, Attempts: p.Attempts, Backoff: p.Backoff}
}

// Validate checks the settings without contacting the receiver. Its errors are envflag field
// errors (URL is reported as BaseURL, Secret as APIKey: the feature's settings they come from)
// and never quote the URL or the secret.
func (c Config) Validate() error {
	if _, err := providerhttp.ParseBaseURL(c.URL, providerhttp.URLHints{
		Want: "the receiver's URL", Example: "https://hooks.example.com/companionhub",
		Credentials: "the signature authenticates the hub; put the secret in NOTIFY_API_KEY"}); err != nil {
		return err
	}
	if err := checkSecret(c.Secret); err != nil {
		return err
	}
	if c.Timeout <= 0 {
		return envflag.Field("Timeout", "must be positive")
	}
	return c.policy().Validate()
}

func checkSecret(s secret.String) error {
	if len(s.Reveal()) < MinSecretLength {
		return envflag.Fieldf("APIKey", "must be a secret of at least %d bytes to sign the webhook's deliveries with (e.g. openssl rand -hex 32)", MinSecretLength)
	}
	return providerhttp.CheckKey(s)
}

func (c Config) policy() retrypolicy.Policy {
	return retrypolicy.Policy{Attempts: c.Attempts, Backoff: c.Backoff, Sleep: c.Sleep}
}

// Notifier delivers notifications to the webhook. It is safe for concurrent use.
type Notifier struct {
	hc      *http.Client
	url     string
	secret  secret.String
	timeout time.Duration
	policy  retrypolicy.Policy
	clock   usecase.Clock
	redact  providerhttp.Redactor
}

// New returns a Notifier that sends with hc's transport (nil: Go's default), without following
// redirects.
func New(c Config, hc *http.Client) (*Notifier, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "webhook: %w", err)
	}
	client := http.Client{}
	if hc != nil {
		client = *hc // shares the transport and its connections
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var clock usecase.Clock = usecase.SystemClock{}
	if c.Clock != nil {
		clock = c.Clock
	}
	return &Notifier{
		hc: &client, url: c.URL, secret: c.Secret, timeout: c.Timeout, policy: c.policy(), clock: clock,
		redact: providerhttp.NewRedactor(c.Secret.Reveal()),
	}, nil
}

// Notify delivers n, retrying what is worth retrying within ctx. A notification without an id or
// a person is KindInternal, sent nowhere.
func (w *Notifier) Notify(ctx context.Context, n proactive.Notification) error {
	if n.ID.IsZero() || n.UserID.IsZero() {
		return errIncomplete
	}
	if ctx.Err() != nil {
		return domain.ContextError(ctx, errCancelled, errTimedOut)
	}
	body, err := json.Marshal(event(n))
	if err != nil {
		return domain.Errorf(domain.KindInternal, "webhook: encode the event: %w", err)
	}
	err = w.policy.Do(ctx, func(ctx context.Context, attempt int) retrypolicy.Attempt {
		return w.send(ctx, attempt, n.ID.String(), body)
	})
	if err != nil && ctx.Err() != nil {
		return stopped(ctx, err)
	}
	return err
}

// errTimeout is the cause of an attempt's own deadline.
var errTimeout = errors.New("NOTIFY_TIMEOUT elapsed")

// send makes one attempt.
func (w *Notifier) send(parent context.Context, attempt int, id string, body []byte) retrypolicy.Attempt {
	ctx, cancel := context.WithTimeoutCause(parent, w.timeout, errTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return retrypolicy.Attempt{Err: domain.Errorf(domain.KindInternal, "webhook: build the request: %w", providerhttp.WithoutURL(err))}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set(EventHeader, EventType)
	req.Header.Set(DeliveryHeader, id)
	req.Header.Set(SignatureHeader, Sign(w.secret.Reveal(), w.clock.Now(), body))
	resp, err := w.hc.Do(req)
	if err != nil {
		return w.transportFailure(parent, ctx, attempt, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		// Read what the receiver said, bounded, so that the connection can be reused; what it
		// said does not matter.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		return retrypolicy.Attempt{}
	}
	return w.statusFailure(attempt, resp)
}

// transportFailure classifies an attempt that got no answer. The caller's context ending is
// left to Notify to report; the attempt's own deadline and a broken connection are retried.
func (w *Notifier) transportFailure(parent, ctx context.Context, attempt int, err error) retrypolicy.Attempt {
	err = providerhttp.WithoutURL(err)
	switch {
	case parent.Err() != nil:
		return retrypolicy.Attempt{Err: fmt.Errorf("webhook: attempt %d: %w", attempt, err)}
	case ctx.Err() != nil:
		return retrypolicy.Attempt{Retry: true, Err: errTimedOut.Wrap(
			fmt.Errorf("webhook: attempt %d: %w: %w", attempt, context.Cause(ctx), context.DeadlineExceeded))}
	default:
		return retrypolicy.Attempt{Retry: true, Err: errUnavailable.Wrap(fmt.Errorf("webhook: attempt %d: %w", attempt, err))}
	}
}

// statusFailure classifies an answer other than 2xx. The cause holds the start of the receiver's
// body, for the log, with the secret and anything like a token redacted.
func (w *Notifier) statusFailure(attempt int, resp *http.Response) retrypolicy.Attempt {
	text, _ := providerhttp.ReadAll(resp.Body, 300)
	cause := errors.New(w.redact.Redact(providerhttp.RedactTokens(fmt.Sprintf("webhook: attempt %d: HTTP %d: %q",
		attempt, resp.StatusCode, providerhttp.ParseDetail(text).Raw))))
	if !retrypolicy.Retryable(resp.StatusCode) {
		return retrypolicy.Attempt{Err: errRefused.Wrap(cause)}
	}
	var wait time.Duration
	if retrypolicy.HonoursRetryAfter(resp.StatusCode) {
		wait = providerhttp.RetryAfter(resp.Header, time.Now())
	}
	return retrypolicy.Attempt{Retry: true, RetryAfter: wait, Err: errUnavailable.Wrap(cause).WithRetryAfter(wait)}
}

// maxAnswer bounds what is read of a successful answer.
const maxAnswer = 64 << 10
