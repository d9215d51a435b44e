package temporalwf

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/spans"
)

// instrumentationName names the tracer of the workflows' and activities' spans.
const instrumentationName = "github.com/companionhub/companionhub/adapter/temporalwf"

// A DialOption changes what Dial's client does.
type DialOption func(*dialOptions)

type dialOptions struct {
	tracer trace.TracerProvider
}

// WithTracerProvider traces the client, and the workers built on it, with tp through the Temporal
// SDK's OpenTelemetry interceptor: starting a turn's workflow is a span of whatever started it (the
// request that sent the message), and the span's context travels in the workflow's headers, so the
// workflow, and each attempt of each step as an activity, join that trace — on whichever worker
// runs them. Only W3C Trace Context travels (no baggage); the spans carry the workflow's and
// activity's ids and types, never their inputs.
func WithTracerProvider(tp trace.TracerProvider) DialOption {
	return func(o *dialOptions) { o.tracer = tp }
}

// tracingInterceptor is the SDK's OpenTelemetry interceptor on tp. Set on a client, it also
// intercepts the workers built on that client, before their own interceptors (stepInterceptor then
// runs inside the activity's span).
func tracingInterceptor(tp trace.TracerProvider) (interceptor.ClientInterceptor, error) {
	ti, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:              tp.Tracer(instrumentationName),
		TextMapPropagator:   propagation.TraceContext{},
		DisableBaggage:      true,
		DisableQueryTracing: true,
		SpanStarter: func(ctx context.Context, t trace.Tracer, name string, opts ...trace.SpanStartOption) trace.Span {
			_, span := t.Start(ctx, name, opts...)
			return &quietSpan{Span: span}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("temporal tracing: %w", err)
	}
	return ti, nil
}

// quietSpan is a workflow's or activity's span that says how it failed by the error's kind and
// reason, never by its text: the SDK's interceptor records the error (an exception event with its
// message) and sets it as the status, and a step's error text may quote a provider or a driver.
type quietSpan struct {
	trace.Span
	failed error // what RecordError was given, for SetStatus, which the interceptor calls next
}

// RecordError keeps err for SetStatus and records nothing of its text.
func (s *quietSpan) RecordError(err error, _ ...trace.EventOption) {
	if err != nil {
		s.failed = err
	}
}

// SetStatus sets an error status described by the error's kind alone, with its kind and reason as
// attributes.
func (s *quietSpan) SetStatus(code codes.Code, description string) {
	if code != codes.Error {
		s.Span.SetStatus(code, description)
		return
	}
	err := fromTemporal(s.failed)
	if err == nil {
		err = domain.Errorf(domain.KindInternal, "failed without an error") // an error status says it failed
	}
	spans.Fail(s.Span, err)
}
