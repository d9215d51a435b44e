package local_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/domain"
	domainchat "github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/correlation"
)

// A turn started in a traced context — a request's, which has answered by the time the turn runs —
// is a span of that trace, with the request's id, and each attempt of each step a span of the turn.
func TestTurnsAndStepsJoinTheTraceThatStartedThem(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	p := newPipeline()
	var replies atomic.Int32
	p.hooks[chat.StepReply] = func(context.Context, any) error {
		if replies.Add(1) == 1 {
			return domain.E(domain.KindUnavailable, "provider_down", "the model is unavailable")
		}
		return nil
	}
	core, logs := observer.New(zap.DebugLevel)
	r := local.NewRunner(local.Config{}, local.Deps{Steps: p.steps(), Log: zap.New(core), Tracer: tp,
		RetryDelay: func(time.Duration) time.Duration { return 0 }})

	ctx, request := tp.Tracer("test").Start(correlation.WithRequestID(context.Background(), "req-9"), "POST /messages")
	in := newTurn()
	require.NoError(t, r.Start(ctx, in))
	request.End() // the 202: the turn goes on
	assert.Equal(t, domainchat.StatusCompleted, p.waitFinish(t).Status)
	require.NoError(t, r.Shutdown(t.Context()))

	spans := exp.GetSpans()
	var turn tracetest.SpanStub
	steps := map[string][]tracetest.SpanStub{}
	for _, s := range spans {
		assert.Equal(t, request.SpanContext().TraceID(), s.SpanContext.TraceID(), "%s is in the request's trace", s.Name)
		switch {
		case s.Name == "chat.turn":
			turn = s
		case s.Name != "POST /messages":
			steps[s.Name] = append(steps[s.Name], s)
		}
	}
	require.True(t, turn.SpanContext.IsValid(), "a turn span: %v", spans)
	assert.Equal(t, request.SpanContext().SpanID(), turn.Parent.SpanID())
	assert.Contains(t, turn.Attributes, attribute.String("companionhub.request_id", "req-9"))
	assert.Contains(t, turn.Attributes, attribute.String("companionhub.turn_id", in.TurnID.String()))
	for _, name := range []string{"step chat.recall", "step chat.reply", "step chat.analyze", "step chat.persist", "step chat.finish"} {
		require.NotEmpty(t, steps[name], "%s: %v", name, spans)
		for _, s := range steps[name] {
			assert.Equal(t, turn.SpanContext.SpanID(), s.Parent.SpanID(), "%s is the turn's", name)
		}
	}
	reply := steps["step chat.reply"]
	require.Len(t, reply, 2, "one span an attempt")
	assert.Contains(t, reply[0].Attributes, attribute.Int("companionhub.step.attempt", 1))
	assert.Equal(t, codes.Error, reply[0].Status.Code)
	assert.Contains(t, reply[0].Attributes, attribute.String("error.type", "unavailable"))
	assert.Contains(t, reply[0].Attributes, attribute.String("companionhub.error.reason", "provider_down"))
	assert.Contains(t, reply[1].Attributes, attribute.Int("companionhub.step.attempt", 2))
	assert.Equal(t, codes.Unset, reply[1].Status.Code)
	assert.Zero(t, logs.Len(), "a turn that completed logs nothing: %v", logs.All())
}

// Untraced (no tracer), turns run as before and make no spans, even in a traced context.
func TestUntracedTurnsMakeNoSpans(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	p := newPipeline()
	r := local.NewRunner(local.Config{}, local.Deps{Steps: p.steps()})
	ctx, request := tp.Tracer("test").Start(context.Background(), "request")
	require.NoError(t, r.Start(ctx, newTurn()))
	assert.Equal(t, domainchat.StatusCompleted, p.waitFinish(t).Status)
	require.NoError(t, r.Shutdown(t.Context()))
	request.End()
	require.Len(t, exp.GetSpans(), 1, "only the test's own")
}

// A traced turn's log lines name its trace, beside its turn id.
func TestATracedTurnsLinesNameItsTrace(t *testing.T) {
	t.Parallel()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(tracetest.NewInMemoryExporter()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	p := newPipeline()
	p.hooks[chat.StepReply] = func(context.Context, any) error { return domain.Errorf(domain.KindInternal, "a bug") }
	core, logs := observer.New(zap.WarnLevel)
	r := local.NewRunner(local.Config{}, local.Deps{Steps: p.steps(), Log: zap.New(core), Tracer: tp})
	ctx, request := tp.Tracer("test").Start(context.Background(), "request")
	in := newTurn()
	require.NoError(t, r.Start(ctx, in))
	request.End()
	assert.Equal(t, domainchat.StatusFailed, p.waitFinish(t).Status)
	require.NoError(t, r.Shutdown(t.Context()))
	failed := logs.FilterMessage("turn failed").All()
	require.Len(t, failed, 1)
	assert.Equal(t, request.SpanContext().TraceID().String(), failed[0].ContextMap()["trace_id"])
	assert.Equal(t, in.TurnID.String(), failed[0].ContextMap()["turn_id"])
}
