package httpapi

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/companionhub/companionhub/internal/spans"
)

// instrumentationName names the tracer of the requests' spans.
const instrumentationName = "github.com/companionhub/companionhub/adapter/httpapi"

// startSpan starts the request's server span, or returns ctx and nil when requests are not
// traced. A caller's W3C traceparent is joined only from a trusted proxy
// (COMPANIONHUB_TRUSTED_PROXIES): from anyone else it is a link of a trace of the request's own, so
// a client can neither graft spans onto another trace nor choose whether it is sampled; its
// tracestate is dropped either way. Probes (/healthz, /readyz, /metrics) make no span unless they
// carry a traceparent: a health check every few seconds is not a trace. The span does not wrap the
// response writer — streams flush and hijack their connections as they would untraced — and
// carries no path, query, header or body: its route pattern, method and status, and the request
// id, which the access log line has too.
func (s *Server) startSpan(ctx context.Context, r *http.Request, requestID string) (context.Context, trace.Span) {
	if s.tracer == nil {
		return ctx, nil
	}
	caller := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(),
		propagation.HeaderCarrier(r.Header))).WithTraceState(trace.TraceState{})
	if !caller.IsValid() && isProbe(r.URL.Path) {
		return ctx, nil
	}
	method := spanMethod(r.Method)
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(semconv.HTTPRequestMethodKey.String(method), spans.AttrRequestID.String(requestID))}
	switch {
	case !caller.IsValid():
	case s.proxies.peerIsTrusted(r):
		ctx = trace.ContextWithRemoteSpanContext(ctx, caller)
	default:
		opts = append(opts, trace.WithNewRoot(), trace.WithLinks(trace.Link{SpanContext: caller}))
	}
	return s.tracer.Start(ctx, method, opts...)
}

// isProbe reports whether path is one that monitors ask over and over.
func isProbe(path string) bool { return path == "/healthz" || path == "/readyz" || path == "/metrics" }

// endSpan names span after the route the request took ("POST /api/v1/companions/{id}/messages",
// never the path with its ids), records the status — a server error fails the span — and ends it.
func endSpan(span trace.Span, route string, status int) {
	if method, path, ok := strings.Cut(route, " "); ok && strings.HasPrefix(path, "/") {
		span.SetName(method + " " + path)
		span.SetAttributes(semconv.HTTPRoute(path))
	}
	span.SetAttributes(semconv.HTTPResponseStatusCode(status))
	if status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
	span.End()
}

// spanMethod is the request's method as OpenTelemetry spells it: the known ones, and _OTHER.
func spanMethod(m string) string {
	if l := methodLabel(m); l != "OTHER" {
		return l
	}
	return "_OTHER"
}
