package temporalwf

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/companionhub/companionhub/domain"
)

// A step's failure on Temporal marks its span by kind and reason: the error's text — which may quote
// a provider or a driver — is neither an event nor the status.
func TestWorkflowSpansNeverCarryTheErrorsText(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	secret := "the provider said: ada@example.com's key sk-123 is wrong"
	for _, err := range []error{
		toTemporal(context.Background(), domain.E(domain.KindUnavailable, "comfyui_down", "the image backend is down").Wrap(errors.New(secret))),
		errors.New(secret), // not a step's: an internal failure
	} {
		_, span := tp.Tracer("test").Start(context.Background(), "RunActivity:chat.picture")
		q := &quietSpan{Span: span}
		q.RecordError(err)
		q.SetStatus(codes.Error, err.Error()) // as the SDK's interceptor does
		q.End()
	}
	spans := exp.GetSpans()
	require.Len(t, spans, 2)
	for i, s := range spans {
		require.Empty(t, s.Events, "no exception event")
		require.Equal(t, codes.Error, s.Status.Code)
		require.NotContains(t, s.Status.Description, "sk-123")
		for _, a := range s.Attributes {
			require.NotContains(t, a.Value.Emit(), "sk-123")
		}
		want := []string{"unavailable", "internal"}[i]
		require.Equal(t, want, s.Status.Description)
	}
	reason := ""
	for _, a := range spans[0].Attributes {
		if a.Key == "companionhub.error.reason" {
			reason = a.Value.AsString()
		}
	}
	require.Equal(t, "comfyui_down", reason)
}
