package local

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// instrumentationName names the tracer of turns and steps run here.
const instrumentationName = "github.com/companionhub/companionhub/adapter/local"

// Attributes of the turns' and steps' spans (adapter/otel spells them the same way).
const (
	attrRequestID = attribute.Key("companionhub.request_id")
	attrTurnID    = attribute.Key("companionhub.turn_id")
	attrStep      = attribute.Key("companionhub.step")
	attrAttempt   = attribute.Key("companionhub.step.attempt")
	attrReason    = attribute.Key("companionhub.error.reason")
	errorType     = attribute.Key("error.type")
)

// startTurn starts a turn's span (nil tracer: none). A turn keeps the values of the context it was
// started with, so its span is a child of the span that started it — the request that sent the
// message, which has answered by then: one trace from the HTTP send to the last step.
func startTurn(ctx context.Context, tracer trace.Tracer, turnID string) (context.Context, trace.Span) {
	if tracer == nil {
		return ctx, nil
	}
	attrs := []attribute.KeyValue{attrTurnID.String(turnID)}
	if id := correlation.RequestID(ctx); id != "" {
		attrs = append(attrs, attrRequestID.String(id))
	}
	return tracer.Start(ctx, "chat.turn", trace.WithAttributes(attrs...))
}

// startStep starts the span of one attempt of a step (nil tracer: none), as Temporal's tracing
// interceptor makes one of each attempt of an activity.
func startStep(ctx context.Context, tracer trace.Tracer, name chat.StepName, attempt int) (context.Context, trace.Span) {
	if tracer == nil {
		return ctx, nil
	}
	return tracer.Start(ctx, "step "+string(name), trace.WithAttributes(attrStep.String(string(name)), attrAttempt.Int(attempt)))
}

// endSpan records err on span by its kind and reason — never its text — and ends it. A nil span
// is not traced.
func endSpan(span trace.Span, err error) {
	if span == nil {
		return
	}
	if err != nil {
		kind := domain.KindOf(err).String()
		if domain.AsError(err) == nil && errors.Is(err, context.Canceled) {
			kind = "canceled"
		}
		span.SetStatus(codes.Error, kind)
		span.SetAttributes(errorType.String(kind))
		if e := domain.AsError(err); e != nil && e.Reason != "" {
			span.SetAttributes(attrReason.String(e.Reason))
		}
	}
	span.End()
}

// traceFields name the trace and span ctx runs in on a log line (none when it is not traced).
func traceFields(ctx context.Context) []zap.Field {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []zap.Field{zap.String(logkey.TraceID, sc.TraceID().String()), zap.String(logkey.SpanID, sc.SpanID().String())}
}
