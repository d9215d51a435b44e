package companionhub

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/otel/otlp"
	"github.com/companionhub/companionhub/core"
)

// unsetOTel clears the variables that would turn tracing on, for the test.
func unsetOTel(t *testing.T) {
	for _, k := range []string{otlp.EnvEndpoint, otlp.EnvTracesEndpoint, otlp.EnvProtocol, otlp.EnvTracesProtocol,
		otlp.EnvTracesExporter, otlp.EnvSDKDisabled} {
		t.Setenv(k, "")
	}
}

// Without an OTLP endpoint nothing is opened: no SDK, no exporter, nothing handed to the core.
func TestTracingIsOffByDefault(t *testing.T) {
	unsetOTel(t)
	tr, cleanup, err := provideTracing(context.Background(), serving, zap.NewNop(), core.Brought{})
	require.NoError(t, err)
	cleanup()
	assert.Nil(t, tr.provider)
	assert.Nil(t, core.Brings((&batteries{tracing: tr}).options()...).Tracer, "no tracer provider for the core")
}

// A provider an embedder gives is the one the Temporal client traces with; it is the embedder's to
// hand to the core (and to shut down).
func TestAGivenTracerProviderIsUsedAsIs(t *testing.T) {
	unsetOTel(t)
	t.Setenv(otlp.EnvEndpoint, "http://127.0.0.1:1") // would open the SDK, were none given
	given := noop.NewTracerProvider()
	tr, cleanup, err := provideTracing(context.Background(), serving, zap.NewNop(), core.Brings(WithTracerProvider(given)))
	require.NoError(t, err)
	cleanup()
	assert.Equal(t, given, tr.provider)
	assert.False(t, tr.opened)
	assert.Nil(t, core.Brings((&batteries{tracing: tr}).options()...).Tracer, "not handed over twice")
	opened := tracing{provider: noop.NewTracerProvider(), opened: true}
	assert.Equal(t, opened.provider, core.Brings((&batteries{tracing: opened}).options()...).Tracer, "one it opened is handed over")
}

// What the exporter here cannot honour stops start-up naming the variable.
func TestTracingOverGRPCStopsStartUp(t *testing.T) {
	unsetOTel(t)
	t.Setenv(otlp.EnvEndpoint, "http://127.0.0.1:4317")
	t.Setenv(otlp.EnvProtocol, "grpc")
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	_, err := New(context.Background(), cfg, zap.NewNop())
	require.ErrorContains(t, err, "OTEL_EXPORTER_OTLP_PROTOCOL=grpc")
}
