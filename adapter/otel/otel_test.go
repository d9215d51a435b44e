package otel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/companionhub/companionhub/adapter/otel"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/spans"
	"github.com/companionhub/companionhub/usecase/usage"
)

func recorder(t *testing.T) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// A provider call is a client span in the caller's trace, named after what it did, with the
// feature, provider, operation and model — and a failed one says its kind and reason, not its text.
func TestCallsAreClientSpans(t *testing.T) {
	t.Parallel()
	tp, exp := recorder(t)
	calls := otel.NewCalls(tp)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "turn")

	cctx, end := calls.Begin(ctx, usage.Call{Feature: "llm", Provider: "openai", Operation: "stream", Model: "gpt-4o-mini"})
	require.Equal(t, parent.SpanContext().TraceID(), trace.SpanContextFromContext(cctx).TraceID(), "the call runs in its span")
	end(0, nil)
	_, end = calls.Begin(ctx, usage.Call{Feature: "pictures", Provider: "a1111", Operation: "generate"})
	end(0, domain.E(domain.KindRateLimited, "provider_rate_limited", "the backend asks us to slow down: Ada said hello").
		Wrap(errors.New("429 from http://backend/?prompt=Ada+said+hello")))
	parent.End()

	spans := exp.GetSpans()
	require.Len(t, spans, 3)
	llm, pic := spans[0], spans[1]
	assert.Equal(t, "llm stream", llm.Name)
	assert.Equal(t, trace.SpanKindClient, llm.SpanKind)
	assert.Equal(t, parent.SpanContext().SpanID(), llm.Parent.SpanID())
	assert.Equal(t, map[attribute.Key]attribute.Value{otel.AttrFeature: attribute.StringValue("llm"),
		otel.AttrProvider: attribute.StringValue("openai"), otel.AttrOperation: attribute.StringValue("stream"),
		otel.AttrModel: attribute.StringValue("gpt-4o-mini")}, attrs(llm))
	assert.Equal(t, codes.Unset, llm.Status.Code)

	assert.Equal(t, "pictures generate", pic.Name)
	assert.NotContains(t, attrs(pic), otel.AttrModel, "no model named, none recorded")
	assert.Equal(t, codes.Error, pic.Status.Code)
	assert.Equal(t, "rate_limited", pic.Status.Description)
	assert.Equal(t, "rate_limited", attrs(pic)["error.type"].AsString())
	assert.Equal(t, "provider_rate_limited", attrs(pic)[otel.AttrReason].AsString())
	assert.Empty(t, pic.Events, "no exception event carries the error's text")
	for _, kv := range pic.Attributes {
		assert.NotContains(t, kv.Value.Emit(), "Ada", "%s", kv.Key)
	}
}

// Without a recording provider a call costs a no-op span and is still ended.
func TestCallsOnTheNoopProvider(t *testing.T) {
	t.Parallel()
	ctx, end := otel.NewCalls(noop.NewTracerProvider()).Begin(context.Background(), usage.Call{Feature: "llm", Operation: "complete"})
	end(0, context.Canceled)
	traceID, spanID := spans.IDs(ctx)
	assert.Empty(t, traceID)
	assert.Empty(t, spanID)
}
