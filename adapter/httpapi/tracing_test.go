package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/companionhub/companionhub/internal/spans"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// attrRequestID is the request id's key (a test's spans shadow the package's name).
var attrRequestID = spans.AttrRequestID

// tracedServer is a bare server whose requests are traced into the returned exporter.
func tracedServer(t *testing.T, checkers ...Checker) (*Server, *tracetest.InMemoryExporter, *observer.ObservedLogs) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	core, logs := observer.New(zap.InfoLevel)
	cfg := DefaultConfig()
	cfg.TrustedProxies = []string{"192.0.2.1"} // httptest's requests come from there; 192.0.2.2 is anyone else
	s, err := New(cfg, Deps{Log: zap.New(core), Registry: prometheus.NewRegistry(), Tracer: tp, Checkers: checkers})
	require.NoError(t, err)
	return s, exp, logs
}

func spanAttrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// Every request is a server span named after its route pattern, joining the trace of a trusted
// proxy's traceparent, with the request id and status as attributes; the access log line names the
// trace.
func TestRequestsAreServerSpans(t *testing.T) {
	t.Parallel()
	s, exp, logs := tracedServer(t)

	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-ID", "req-7")
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)

	spans := exp.GetSpans()
	require.Len(t, spans, 1)
	span := spans[0]
	assert.Equal(t, "GET /healthz", span.Name)
	assert.Equal(t, trace.SpanKindServer, span.SpanKind)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", span.SpanContext.TraceID().String(), "the caller's trace")
	assert.Equal(t, "00f067aa0ba902b7", span.Parent.SpanID().String())
	assert.True(t, span.Parent.IsRemote())
	a := spanAttrs(span)
	assert.Equal(t, "req-7", a[attrRequestID].AsString())
	assert.Equal(t, "/healthz", a["http.route"].AsString())
	assert.Equal(t, "GET", a["http.request.method"].AsString())
	assert.Equal(t, int64(200), a["http.response.status_code"].AsInt64())
	assert.Equal(t, codes.Unset, span.Status.Code)

	line := logs.FilterMessage("request").All()
	require.Len(t, line, 1)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", line[0].ContextMap()[logkey.TraceID])
	assert.Equal(t, span.SpanContext.SpanID().String(), line[0].ContextMap()[logkey.SpanID])
	assert.Equal(t, "req-7", line[0].ContextMap()[logkey.RequestID], "the request id stays on the line")
}

// A path no route takes is named by its method alone (never the path, which may hold ids); a
// server error fails the span. Probes make spans only when they carry a traceparent.
func TestSpanNamesAndFailures(t *testing.T) {
	t.Parallel()
	s, exp, _ := tracedServer(t, Checker{Name: "database", Check: func(context.Context) error { return errors.New("down") }})
	probe := func(method, path string) *http.Request {
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = "192.0.2.2:1234" // not a trusted proxy: its traceparent is a link, not a parent
		r.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
		return r
	}

	s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/nothing/0199f7c4-5a3b-7c3e-9d2a-1f2e3d4c5b6a", nil))
	s.Handler().ServeHTTP(httptest.NewRecorder(), probe("GET", "/readyz"))
	s.Handler().ServeHTTP(httptest.NewRecorder(), probe("BREW", "/healthz"))
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil)) // a monitor's: no span
	}

	spans := exp.GetSpans()
	require.Len(t, spans, 3)
	assert.Equal(t, "GET", spans[0].Name)
	assert.NotContains(t, spanAttrs(spans[0]), attribute.Key("http.route"))
	assert.Equal(t, int64(404), spanAttrs(spans[0])["http.response.status_code"].AsInt64())
	assert.Equal(t, codes.Unset, spans[0].Status.Code, "a client's mistake is not the server's failure")
	assert.Equal(t, "GET /readyz", spans[1].Name)
	assert.Equal(t, codes.Error, spans[1].Status.Code)
	assert.Equal(t, "_OTHER", spanAttrs(spans[2])["http.request.method"].AsString())
	for _, sp := range spans {
		assert.False(t, sp.Parent.IsValid(), "no trusted traceparent: a trace of its own")
		for _, kv := range sp.Attributes {
			assert.NotContains(t, kv.Value.Emit(), "0199f7c4", "no path among the attributes")
		}
	}
}

// Untraced, a request makes no span and its log line names no trace.
func TestUntracedRequestsNameNoTrace(t *testing.T) {
	t.Parallel()
	s, logs, _ := bareServer(t, nil)
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	line := logs.FilterMessage("request").All()
	require.Len(t, line, 1)
	assert.NotContains(t, line[0].ContextMap(), logkey.TraceID)
}

// A traceparent from anyone but a trusted proxy starts no part of the caller's trace: the request's
// trace is its own (sampled as the hub decides), linked to the caller's, and tracestate is dropped.
func TestUntrustedTraceparentIsALink(t *testing.T) {
	t.Parallel()
	s, exp, _ := tracedServer(t)
	req := httptest.NewRequest("GET", "/api/v1/openapi.json", nil)
	req.RemoteAddr = "198.51.100.7:4321"
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	req.Header.Set("tracestate", "vendor=secret")
	s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	spans := exp.GetSpans()
	require.Len(t, spans, 1)
	sp := spans[0]
	assert.False(t, sp.Parent.IsValid())
	assert.NotEqual(t, "4bf92f3577b34da6a3ce929d0e0e4736", sp.SpanContext.TraceID().String(), "a trace of its own")
	require.Len(t, sp.Links, 1)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", sp.Links[0].SpanContext.TraceID().String())
	assert.Empty(t, sp.Links[0].SpanContext.TraceState().String())
	assert.Empty(t, sp.SpanContext.TraceState().String())
}
