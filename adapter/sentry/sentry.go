// Package sentry is the incident.Reporter that sends reports to Sentry (or any server that speaks
// its protocol, such as GlitchTip), with the official sentry-go client — but not its global hub,
// integrations or request capture: an event carries the failure's text (e-mail addresses, tokens
// and a database's quoted values redacted), its stack for a panic, and tags (where, request id,
// kind, and the trace id when the failure happened in a traced context); the release and environment. Scrubbed of anything personal: no
// user, request, cookies, breadcrumbs or machine contexts leave the hub (BeforeSend clears what the SDK
// would add, and the client never sends default PII).
package sentry

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sync"
	"time"

	sentrygo "github.com/getsentry/sentry-go"
	"go.opentelemetry.io/otel/trace"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/incident"
)

// Config chooses the Sentry project reports go to.
type Config struct {
	// DSN is the project's key and address ("": no reports are sent).
	DSN secret.String `env:"SENTRY_DSN" help:"Sentry DSN that panics and internal errors are reported to (empty: none)"`
	// Environment tags every report ("production", "staging").
	Environment string `env:"SENTRY_ENVIRONMENT" help:"environment that Sentry reports are tagged with"`
}

// Validate checks the DSN's form.
func (c Config) Validate() error {
	if c.DSN.Reveal() == "" {
		return nil
	}
	if _, err := sentrygo.NewDsn(c.DSN.Reveal()); err != nil {
		return envflag.Field("DSN", "is not a Sentry DSN (https://<key>@<host>/<project>)")
	}
	return nil
}

// Reporter sends reports to Sentry. Close flushes what is still queued.
type Reporter struct {
	client *sentrygo.Client
	once   sync.Once
}

var _ incident.Reporter = (*Reporter)(nil)

// flushWait bounds how long Close waits for queued reports.
const flushWait = 5 * time.Second

// New builds a reporter for c, tagging every report with release; hc carries the requests (nil:
// the default client).
func New(c Config, release string, hc *http.Client) (*Reporter, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	client, err := sentrygo.NewClient(sentrygo.ClientOptions{
		Dsn: c.DSN.Reveal(), Release: release, Environment: c.Environment, HTTPClient: hc,
		SendDefaultPII: false, MaxBreadcrumbs: -1, ServerName: "companionhub",
		Integrations: func([]sentrygo.Integration) []sentrygo.Integration { return nil }, // none: nothing gathered beyond the report
		BeforeSend:   scrub,
	})
	if err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "sentry: %w", err)
	}
	return &Reporter{client: client}, nil
}

// scrub keeps an event to the failure: nothing about people or requests.
func scrub(e *sentrygo.Event, _ *sentrygo.EventHint) *sentrygo.Event {
	e.User = sentrygo.User{}
	e.Request = nil
	e.Breadcrumbs = nil
	e.Contexts = nil
	e.Modules = nil
	return e
}

// Report queues the report for sending: it never waits for the server.
func (r *Reporter) Report(ctx context.Context, rep incident.Report) {
	e := sentrygo.NewEvent()
	e.Level = sentrygo.LevelError
	msg := "unknown failure"
	if rep.Err != nil {
		msg = rep.Err.Error()
	}
	kind := domain.KindOf(rep.Err).String()
	if rep.Panic {
		kind = "panic"
		e.Level = sentrygo.LevelFatal
		msg = "panic: " + msg
		e.Exception = []sentrygo.Exception{{Type: "panic", Value: redact(msg), Stacktrace: stacktrace(rep.Stack)}}
	}
	msg = redact(msg)
	e.Message = msg
	e.Tags = map[string]string{"kind": kind}
	if rep.Where != "" {
		e.Tags["where"] = rep.Where
		e.Transaction = rep.Where
	}
	if rep.RequestID != "" {
		e.Tags["request_id"] = rep.RequestID
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		e.Tags["trace_id"] = sc.TraceID().String()
	}
	r.client.CaptureEvent(e, nil, nil)
}

// What a failure's text may carry that is a person's: an e-mail address, a token of the hub, or the
// values a database quotes in its error details ("Key (email)=(ada@example.com) already exists").
var (
	emails     = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	hubTokens  = regexp.MustCompile(`ch[sp]_[A-Za-z0-9_-]{8,}`)
	keyValues  = regexp.MustCompile(`\)=\([^)]*\)`)
	bearerAuth = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/=-]+`)
)

// redact takes out of a failure's text what may be a person's.
func redact(s string) string {
	s = keyValues.ReplaceAllString(s, ")=([redacted])")
	s = emails.ReplaceAllString(s, "[email]")
	s = hubTokens.ReplaceAllString(s, "[token]")
	return bearerAuth.ReplaceAllString(s, "Bearer [redacted]")
}

// stacktrace is the panic's stack as Sentry shows it: the raw trace in one frame's context (the
// SDK's own capture would record the reporter's goroutine, not the panicking one).
func stacktrace(stack []byte) *sentrygo.Stacktrace {
	if len(stack) == 0 {
		return nil
	}
	return &sentrygo.Stacktrace{Frames: []sentrygo.Frame{{Function: "panic", Filename: "stack", InApp: true,
		ContextLine: fmt.Sprintf("%.8000s", stack)}}}
}

// Close sends what is queued, waiting up to five seconds, and stops the client's goroutines. It is
// safe to call more than once.
func (r *Reporter) Close() {
	r.once.Do(func() {
		r.client.Flush(flushWait)
		r.client.Close()
	})
}
