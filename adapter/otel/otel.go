// Package otel is the hub's OpenTelemetry tracing on the API's side: the spans of provider calls
// (Calls, a usage.CallObserver); the keys, failures and log-line ids every traced adapter shares are
// internal/spans'. It
// links the OpenTelemetry API only, which is a no-op until a tracer provider is given; the SDK and
// its OTLP exporter, opened from the standard OTEL_* variables, are otel/otlp's, so the lean core
// does not link them. The other spans are made where their work is: adapter/httpapi (a server span
// per request, joining a W3C traceparent), adapter/local (the turn and its steps), adapter/temporalwf
// (the Temporal SDK's interceptor), adapter/sqlstore (statements).
//
// What a span never carries: message text, prompts, replies, audio, secrets, tokens — attributes
// name what was done (feature, provider, operation, model, step, route) and by which request, and
// an error is recorded by its kind and reason, never by its text (spans.Fail).
package otel

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/companionhub/companionhub/internal/spans"
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
	AttrReason    = spans.AttrReason
)

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
		spans.Fail(span, err)
		span.End()
	}
}
