package temporalwf

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/chat"
)

// errorType is the ApplicationError type of every error a step returns: the domain error travels
// in its details, so a workflow gets back the same kind and reason (errors.Is keeps working on
// chat.ErrCancelled, chat.ErrTurnEnded and the like).
const errorType = "companionhub.domain"

// errorDetails is a domain error as it crosses Temporal: its client-safe parts only. The full
// text (with causes) is the ApplicationError's message, for operators reading the history.
type errorDetails struct {
	Kind       string `json:"kind"`
	Reason     string `json:"reason,omitempty"`
	Message    string `json:"message,omitempty"`
	RetryAfter int64  `json:"retry_after_ms,omitempty"`
}

// toTemporal turns what a step returned into what an activity returns: a cancellation as
// Temporal's (so the activity is reported cancelled, not failed), anything else as an
// ApplicationError that is retryable exactly when its kind is, after the pause it asked for.
func toTemporal(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return temporal.NewCanceledError()
	}
	kind := domain.KindOf(err)
	d := errorDetails{Kind: kind.String()}
	if e := domain.AsError(err); e != nil {
		d.Reason, d.Message = e.Reason, e.Message
	}
	wait := chat.RetryAfter(err)
	d.RetryAfter = wait.Milliseconds()
	opts := temporal.ApplicationErrorOptions{NonRetryable: !kind.Retryable(), Details: []any{d}, NextRetryDelay: wait}
	return temporal.NewApplicationErrorWithOptions(err.Error(), errorType, opts)
}

// fromTemporal turns the error of an activity back into the domain error the step returned, so
// chat.RunTurn decides on it as it does in process: a cancelled activity is chat.ErrCancelled,
// one that ran out of time on its last attempt is a retryable timeout.
func fromTemporal(err error) error {
	if err == nil {
		return nil
	}
	if temporal.IsCanceledError(err) {
		return chat.ErrCancelled
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) && app.Type() == errorType {
		var d errorDetails
		if app.HasDetails() && app.Details(&d) == nil {
			e := domain.E(parseKind(d.Kind), d.Reason, d.Message)
			e.RetryAfter = time.Duration(d.RetryAfter) * time.Millisecond
			e.Err = errors.New(app.Error())
			return e
		}
	}
	var timeout *temporal.TimeoutError
	if errors.As(err, &timeout) {
		return chat.ErrStepTimeout.Wrap(err)
	}
	return domain.Errorf(domain.KindInternal, "step failed: %w", err)
}

func parseKind(s string) domain.Kind {
	for _, k := range domain.Kinds() {
		if k.String() == s {
			return k
		}
	}
	return domain.KindInternal
}
