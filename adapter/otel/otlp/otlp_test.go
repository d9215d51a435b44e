package otlp_test

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/companionhub/companionhub/adapter/otel/otlp"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/otlpfake"
)

// Traces are on only when an OTLP endpoint is set; what cannot be honoured names its variable.
func TestEnabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		on   bool
		err  string
	}{
		{name: "nothing set", env: nil},
		{name: "an endpoint", env: map[string]string{otlp.EnvEndpoint: "http://collector:4318"}, on: true},
		{name: "a traces endpoint", env: map[string]string{otlp.EnvTracesEndpoint: "http://collector:4318/v1/traces"}, on: true},
		{name: "blank endpoint", env: map[string]string{otlp.EnvEndpoint: "  "}},
		{name: "sdk disabled", env: map[string]string{otlp.EnvEndpoint: "http://c:4318", otlp.EnvSDKDisabled: "true"}},
		{name: "exporter none", env: map[string]string{otlp.EnvEndpoint: "http://c:4318", otlp.EnvTracesExporter: "none"}},
		{name: "exporter otlp", env: map[string]string{otlp.EnvEndpoint: "http://c:4318", otlp.EnvTracesExporter: "otlp"}, on: true},
		{name: "exporter zipkin", env: map[string]string{otlp.EnvEndpoint: "http://c:4318", otlp.EnvTracesExporter: "zipkin"},
			err: "OTEL_TRACES_EXPORTER=zipkin"},
		{name: "http/json", env: map[string]string{otlp.EnvEndpoint: "http://c:4318", otlp.EnvProtocol: "http/json"}, on: true},
		{name: "grpc", env: map[string]string{otlp.EnvEndpoint: "http://c:4317", otlp.EnvProtocol: "grpc"},
			err: "OTEL_EXPORTER_OTLP_PROTOCOL=grpc"},
		{name: "grpc for traces only", env: map[string]string{otlp.EnvEndpoint: "http://c:4317", otlp.EnvProtocol: "http/protobuf",
			otlp.EnvTracesProtocol: "grpc"}, err: "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=grpc"},
		{name: "grpc overridden for traces", env: map[string]string{otlp.EnvEndpoint: "http://c:4318", otlp.EnvProtocol: "grpc",
			otlp.EnvTracesProtocol: "http/protobuf"}, on: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			on, err := otlp.Enabled(func(k string) string { return tc.env[k] })
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.on, on)
		})
	}
}

// Configured by the standard variables alone, spans reach an OTLP/HTTP receiver — flushed when the
// provider closes — under the service the environment names.
func TestSpansReachAnOTLPReceiver(t *testing.T) {
	fake := otlpfake.New(t)
	t.Setenv(otlp.EnvEndpoint, fake.Endpoint())
	t.Setenv("OTEL_SERVICE_NAME", "hub-under-test")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=test")
	on, err := otlp.Enabled(os.Getenv)
	require.NoError(t, err)
	require.True(t, on)

	tp, closeTP, err := otlp.Open(t.Context(), otlp.Service{Name: "companionhub", Version: "v9.9.9"})
	require.NoError(t, err)
	ctx, parent := tp.Tracer("test").Start(context.Background(), "POST /api/v1/companions/{id}/messages",
		trace.WithSpanKind(trace.SpanKindServer))
	_, child := tp.Tracer("test").Start(ctx, "step chat.reply")
	child.End()
	parent.End()
	require.NoError(t, closeTP())

	awaittest.Recv(t, fake.Arrived(), "an export at the receiver")
	spans := fake.Spans()
	require.Len(t, spans, 2)
	byName := map[string]otlpfake.Span{}
	for _, s := range spans {
		byName[s.Name] = s
		assert.Equal(t, "hub-under-test", s.Service, "OTEL_SERVICE_NAME wins over the default")
	}
	server, step := byName["POST /api/v1/companions/{id}/messages"], byName["step chat.reply"]
	assert.Equal(t, "SPAN_KIND_SERVER", server.Kind)
	assert.Equal(t, parent.SpanContext().TraceID().String(), step.TraceID)
	assert.Equal(t, server.SpanID, step.Parent)
}
