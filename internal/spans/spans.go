// Package spans is what the hub's traced adapters (the HTTP server, the in-process runner, the
// Temporal workflows, the provider calls) share about spans, so that each says the same thing the
// same way: the attribute keys, how a failure is recorded — by its kind and reason, never its text,
// which may quote a provider or a driver — and the trace and span ids on log lines. It uses only
// OpenTelemetry's API: with no tracer provider nothing here costs anything.
package spans

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// Attribute keys the hub's spans share.
const (
	AttrRequestID = attribute.Key("companionhub.request_id")
	AttrReason    = attribute.Key("companionhub.error.reason")
	// ErrorType is OpenTelemetry's error.type: here the error's kind.
	ErrorType = attribute.Key("error.type")
)

// Fail marks span as failed with err's kind (and reason, when it has one) — never err's text. A
// cancelled context that is not the hub's error is "canceled": the caller went away. A nil err
// changes nothing.
func Fail(span trace.Span, err error) {
	if err == nil {
		return
	}
	kind := domain.KindOf(err).String()
	if domain.AsError(err) == nil && errors.Is(err, context.Canceled) {
		kind = "canceled"
	}
	span.SetStatus(codes.Error, kind)
	span.SetAttributes(ErrorType.String(kind))
	if e := domain.AsError(err); e != nil && e.Reason != "" {
		span.SetAttributes(AttrReason.String(e.Reason))
	}
}

// IDs are the ids of the trace and span ctx runs in, as log lines name them; "" when ctx is not
// traced. It has the signature of decorator.TraceIDs.
func IDs(ctx context.Context) (traceID, spanID string) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return "", ""
	}
	return sc.TraceID().String(), sc.SpanID().String()
}

// LogFields name the trace and span ctx runs in on a log line (none when it is not traced).
func LogFields(ctx context.Context) []zap.Field {
	traceID, spanID := IDs(ctx)
	if traceID == "" {
		return nil
	}
	return []zap.Field{zap.String(logkey.TraceID, traceID), zap.String(logkey.SpanID, spanID)}
}
