// Package otel is the hub's OpenTelemetry tracing on the API's side: the spans of provider calls
// (Calls, a usage.CallObserver) and the ids of the span a context runs in for log lines (IDs). It
// links the OpenTelemetry API only, which is a no-op until a tracer provider is given; the SDK and
// its OTLP exporter, opened from the standard OTEL_* variables, are otel/otlp's, so the lean core
// does not link them. The other spans are made where their work is: adapter/httpapi (a server span
// per request, joining a W3C traceparent), adapter/local (the turn and its steps), adapter/temporalwf
// (the Temporal SDK's interceptor), adapter/sqlstore (statements).
//
// What a span never carries: message text, prompts, replies, audio, secrets, tokens — attributes
// name what was done (feature, provider, operation, model, step, route) and by which request, and
// an error is recorded by its kind and reason, never by its text.
package otel

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/usage"
)

// InstrumentationName names the tracer of the provider calls' spans.
const InstrumentationName = "github.com/companionhub/companionhub/adapter/otel"

// Attribute keys of the provider calls' spans (the error's reason is spelt the same on the steps').
const (
	AttrFeature   = attribute.Key("companionhub.feature")
	AttrProvider  = attribute.Key("companionhub.provider")
	AttrOperation = attribute.Key("companionhub.operation")
	AttrModel     = attribute.Key("companionhub.model")
	AttrReason    = attribute.Key("companionhub.error.reason")
	// errorType is OpenTelemetry's error.type: here the error's kind.
	errorType = attribute.Key("error.type")
)

// IDs are the ids of the trace and span ctx runs in, as log lines name them; "" when ctx is not
// traced. It has the signature of decorator.TraceIDs.
func IDs(ctx context.Context) (traceID, spanID string) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return "", ""
	}
	return sc.TraceID().String(), sc.SpanID().String()
}

// Calls makes every provider call a client span, named after the feature and operation ("llm
// stream", "pictures generate", "embeddings embed"), with the feature, provider, operation and
// model as attributes and the error's kind as its status. It is a usage.CallObserver.
type Calls struct{ tracer trace.Tracer }

var _ usage.CallObserver = (*Calls)(nil)

// NewCalls returns the observer of provider calls that traces them with tp.
func NewCalls(tp trace.TracerProvider) *Calls {
	return &Calls{tracer: tp.Tracer(InstrumentationName)}
}

// Begin starts the call's span; the function it returns ends it.
func (c *Calls) Begin(ctx context.Context, call usage.Call) (context.Context, func(time.Duration, error)) {
	attrs := []attribute.KeyValue{AttrFeature.String(call.Feature), AttrProvider.String(call.Provider),
		AttrOperation.String(call.Operation)}
	if call.Model != "" {
		attrs = append(attrs, AttrModel.String(call.Model))
	}
	ctx, span := c.tracer.Start(ctx, call.Feature+" "+call.Operation, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...))
	return ctx, func(_ time.Duration, err error) {
		Fail(span, err)
		span.End()
	}
}

// Fail marks span as failed with err's kind (and reason, when it has one) — never err's text, which
// may quote a provider or a driver. A nil err changes nothing.
func Fail(span trace.Span, err error) {
	if err == nil {
		return
	}
	kind := domain.KindOf(err).String()
	if domain.AsError(err) == nil && errors.Is(err, context.Canceled) {
		kind = "canceled" // the caller went away: not the hub's failure
	}
	span.SetStatus(codes.Error, kind)
	span.SetAttributes(errorType.String(kind))
	if e := domain.AsError(err); e != nil && e.Reason != "" {
		span.SetAttributes(AttrReason.String(e.Reason))
	}
}
