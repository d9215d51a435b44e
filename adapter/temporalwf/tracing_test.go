package temporalwf

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap/zaptest"

	domainchat "github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/usecase/chat"
)

// Traced, a turn started in a traced context — the request that sent the message — is one trace on
// Temporal: the client's StartWorkflow under the request's span, then on the worker every step's
// activity, whose context carries its span (so what a step does — statements, provider calls —
// joins the trace too).
func TestATurnJoinsTheTraceThatStartedIt(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	cfg := DefaultConfig()
	cfg.Address = containers.NewTemporal(t)
	cfg.TaskQueue = newQueue(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	c, err := Dial(ctx, cfg, zaptest.NewLogger(t), nil, WithTracerProvider(tp))
	require.NoError(t, err)
	s := newSteps()
	var mu sync.Mutex
	inStep := map[chat.StepName]trace.SpanContext{}
	for _, name := range []chat.StepName{chat.StepReply, chat.StepPersist} {
		s.hooks[name] = func(ctx context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			inStep[name] = trace.SpanContextFromContext(ctx)
			return nil
		}
	}
	w := NewWorker(c, cfg, s.table(), WorkerOptions{StopTimeout: time.Second})
	require.NoError(t, w.Start())
	t.Cleanup(func() {
		w.Stop()
		c.Close()
	})
	r := NewRunner(c, cfg)

	rctx, request := tp.Tracer("test").Start(ctx, "POST /api/v1/companions/{id}/messages")
	in := turnInput(domainchat.Options{})
	require.NoError(t, r.Start(rctx, in))
	request.End()
	_, err = r.Wait(ctx, in.TurnID)
	require.NoError(t, err)

	traceID := request.SpanContext().TraceID()
	names := map[string]tracetest.SpanStub{}
	for _, sp := range exp.GetSpans() {
		assert.Equal(t, traceID, sp.SpanContext.TraceID(), "%s is in the request's trace", sp.Name)
		names[sp.Name] = sp
	}
	start, ok := names["StartWorkflow:"+TurnWorkflowName]
	require.True(t, ok, "the client's span: %v", names)
	assert.Equal(t, request.SpanContext().SpanID(), start.Parent.SpanID())
	for _, activity := range []string{"RunActivity:" + string(chat.StepReply), "RunActivity:" + string(chat.StepExtract)} {
		assert.Contains(t, names, activity)
	}
	mu.Lock()
	defer mu.Unlock()
	for name, sc := range inStep {
		assert.Equal(t, traceID, sc.TraceID(), "%s runs in the trace", name)
	}
	assert.Len(t, inStep, 2)
}
