package temporalwf

import (
	"fmt"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
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
	})
	if err != nil {
		return nil, fmt.Errorf("temporal tracing: %w", err)
	}
	return ti, nil
}
