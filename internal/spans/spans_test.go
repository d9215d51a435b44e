package spans_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/companionhub/companionhub/internal/spans"
)

func recorder(t *testing.T) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

// IDs name the span a context runs in, as log lines show them.
func TestIDs(t *testing.T) {
	t.Parallel()
	tp, _ := recorder(t)
	ctx, span := tp.Tracer("test").Start(context.Background(), "x")
	defer span.End()
	traceID, spanID := spans.IDs(ctx)
	assert.Equal(t, span.SpanContext().TraceID().String(), traceID)
	assert.Equal(t, span.SpanContext().SpanID().String(), spanID)
	traceID, spanID = spans.IDs(context.Background())
	assert.Empty(t, traceID+spanID)
}

// A cancelled call is not the hub's failure: its kind says so.
func TestFailOnCancel(t *testing.T) {
	t.Parallel()
	tp, exp := recorder(t)
	_, span := tp.Tracer("test").Start(context.Background(), "x")
	spans.Fail(span, context.Canceled)
	spans.Fail(span, nil)
	span.End()
	s := exp.GetSpans()[0]
	assert.Equal(t, "canceled", s.Status.Description)
}
