// Package otlpfake is a local OTLP/HTTP trace receiver for tests: it takes what an OTLP/HTTP
// exporter sends (POST /v1/traces, an ExportTraceServiceRequest in protobuf, gzipped or not),
// answers as a collector does, and keeps the spans for the test to read.
package otlpfake

import (
	"compress/gzip"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// Span is one span received, flattened.
type Span struct {
	Name                    string
	TraceID, SpanID, Parent string // hex; Parent is "" for a root span
	Kind                    string // SPAN_KIND_SERVER, …
	// Service is the service.name of the span's resource.
	Service string
	// Attributes are the span's attributes, each value as text.
	Attributes map[string]string
	// Raw is the span as received, for checks of every field.
	Raw string
}

// Server is the fake receiver.
type Server struct {
	srv     *httptest.Server
	mu      sync.Mutex
	spans   []Span
	arrived chan struct{}
}

// New starts the fake; it stops when t ends.
func New(t testing.TB) *Server {
	s := &Server{arrived: make(chan struct{}, 1024)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.srv.Close)
	return s
}

// Endpoint is the base URL an exporter is pointed at (OTEL_EXPORTER_OTLP_ENDPOINT).
func (s *Server) Endpoint() string { return s.srv.URL }

// Arrived is signalled once per export received.
func (s *Server) Arrived() <-chan struct{} { return s.arrived }

// Spans are the spans received so far, in order of arrival.
func (s *Server) Spans() []Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Span(nil), s.spans...)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-protobuf" {
		http.Error(w, "unsupported content type "+ct, http.StatusUnsupportedMediaType)
		return
	}
	body := io.Reader(r.Body)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(raw, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var got []Span
	for _, rs := range req.GetResourceSpans() {
		service := attributes(rs.GetResource().GetAttributes())["service.name"]
		for _, ss := range rs.GetScopeSpans() {
			for _, sp := range ss.GetSpans() {
				got = append(got, Span{Name: sp.GetName(), TraceID: hex.EncodeToString(sp.GetTraceId()),
					SpanID: hex.EncodeToString(sp.GetSpanId()), Parent: hex.EncodeToString(sp.GetParentSpanId()),
					Kind: sp.GetKind().String(), Service: service, Attributes: attributes(sp.GetAttributes()),
					Raw: sp.String()})
			}
		}
	}
	s.mu.Lock()
	s.spans = append(s.spans, got...)
	s.mu.Unlock()
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
	select {
	case s.arrived <- struct{}{}:
	default: // nobody is waiting for this many: the spans are kept all the same
	}
}

func attributes(kvs []*commonpb.KeyValue) map[string]string {
	m := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		switch v := kv.GetValue().GetValue().(type) {
		case *commonpb.AnyValue_StringValue:
			m[kv.GetKey()] = v.StringValue
		case *commonpb.AnyValue_IntValue:
			m[kv.GetKey()] = strconv.FormatInt(v.IntValue, 10)
		case *commonpb.AnyValue_BoolValue:
			m[kv.GetKey()] = strconv.FormatBool(v.BoolValue)
		default:
			m[kv.GetKey()] = kv.GetValue().String()
		}
	}
	return m
}
