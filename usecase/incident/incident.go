// Package incident is the port for failures an operator should hear of beyond the logs — a panic,
// an internal error — and the observer that feeds the use cases' internal failures to it.
// Implementations: adapter/sentry (Sentry, or any server speaking its protocol); none by default.
// Conformance: test/contract/reportertest.
//
// A report carries what failed, where and for which request: never a person's words, tokens,
// cookies or e-mail address. Internal errors are the hub's own (a driver's, a bug's), which carry
// none; a Reporter scrubs what its SDK would add on its own.
package incident

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/decorator"
)

// Report is one failure.
type Report struct {
	// Err is what failed (for a panic, what it panicked with).
	Err error
	// Panic: the failure was a panic; Stack is where.
	Panic bool
	Stack []byte
	// Where is what was running: a use case ("chat.send") or a request's route ("POST /api/…").
	Where string
	// RequestID is the request the failure served ("" for none).
	RequestID string
}

// Reporter delivers reports. Report must not block its caller for long (a slow or unreachable
// server loses the report, never the request) and is safe for concurrent use.
type Reporter interface {
	Report(ctx context.Context, r Report)
}

// Observer is a decorator.Observer handing the use cases' internal failures to Reporter; other
// kinds (invalid input, not found, rate limited, …) are the callers' business.
type Observer struct{ Reporter Reporter }

var _ decorator.Observer = Observer{}

func (o Observer) Observe(ctx context.Context, useCase string, _ time.Duration, err error) {
	if err == nil || domain.KindOf(err) != domain.KindInternal || ctx.Err() != nil {
		return
	}
	o.Reporter.Report(ctx, Report{Err: err, Where: useCase, RequestID: correlation.RequestID(ctx)})
}
