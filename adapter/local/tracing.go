package local

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/companionhub/companionhub/internal/spans"
	"github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/correlation"
)

// instrumentationName names the tracer of turns and steps run here.
const instrumentationName = "github.com/companionhub/companionhub/adapter/local"

// Attributes of the turns' and steps' spans, besides those every traced adapter shares (spans).
const (
	attrTurnID  = attribute.Key("companionhub.turn_id")
	attrStep    = attribute.Key("companionhub.step")
	attrAttempt = attribute.Key("companionhub.step.attempt")
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
		attrs = append(attrs, spans.AttrRequestID.String(id))
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
	spans.Fail(span, err)
	span.End()
}
