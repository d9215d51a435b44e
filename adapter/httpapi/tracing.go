package httpapi

import (
	"context"
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/usecase/logkey"
)

// instrumentationName names the tracer of the requests' spans.
const instrumentationName = "github.com/companionhub/companionhub/adapter/httpapi"

// attrRequestID is the request id on the request's span (adapter/otel spells it the same).
const attrRequestID = attribute.Key("companionhub.request_id")

// startSpan starts the request's server span, joining the trace of the caller's W3C traceparent
// when it sent one, or returns ctx and nil when requests are not traced. The span does not wrap
// the response writer — streams flush and hijack their connections as they would untraced — and
// carries no path, query, header or body: its route pattern, method and status, and the request
// id, which the access log line has too.
func (s *Server) startSpan(ctx context.Context, r *http.Request, requestID string) (context.Context, trace.Span) {
	if s.tracer == nil {
		return ctx, nil
	}
	ctx = propagation.TraceContext{}.Extract(ctx, propagation.HeaderCarrier(r.Header))
	return s.tracer.Start(ctx, spanMethod(r.Method), trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(semconv.HTTPRequestMethodKey.String(spanMethod(r.Method)), attrRequestID.String(requestID)))
}

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

// traceFields name the trace and span ctx runs in on a log line (none when it is not traced).
func traceFields(ctx context.Context) []zap.Field {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return nil
	}
	return []zap.Field{zap.String(logkey.TraceID, sc.TraceID().String()), zap.String(logkey.SpanID, sc.SpanID().String())}
}
