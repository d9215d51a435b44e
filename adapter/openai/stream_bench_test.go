package openai

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/usecase/llm"
)

// benchTokens is the reply length of SPEC's concurrency target (500 tokens per turn).
const benchTokens = 500

// recordedStream returns the SSE body the fake sends for a streamed reply of n tokens with usage,
// byte for byte, so the benchmark decodes what a provider sends without a network in the way.
func recordedStream(b *testing.B, n int) []byte {
	b.Helper()
	fake := openaifake.New(b, openaifake.WithReply(openaifake.Words(n)), openaifake.WithoutRecording())
	body := `{"model":"` + openaifake.DefaultModel + `","messages":[{"role":"user","content":"hi"}],` +
		`"stream":true,"stream_options":{"include_usage":true}}`
	rec := httptest.NewRecorder()
	fake.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body)))
	require.Equal(b, http.StatusOK, rec.Code)
	return rec.Body.Bytes()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// BenchmarkStreamDecode measures what a streamed reply costs the adapter per chunk, request
// encoding included, with the body served from memory; ns/chunk and allocs/op are the numbers to
// compare (a 500-token reply is 503 chunks plus [DONE]).
func BenchmarkStreamDecode(b *testing.B) {
	data := recordedStream(b, benchTokens)
	chunks := bytes.Count(data, []byte("data: ")) - 1 // [DONE] carries no chunk
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
		return &http.Response{
			StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header:  http.Header{"Content-Type": {"text/event-stream; charset=utf-8"}},
			Body:    io.NopCloser(bytes.NewReader(data)),
			Request: r,
		}, nil
	})}
	c, err := New(Config{BaseURL: "http://llm.invalid/v1", Model: openaifake.DefaultModel, Timeout: time.Minute}, hc)
	require.NoError(b, err)
	req := llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hi"}}}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		n := 0
		usage, err := c.Stream(b.Context(), req, func(s string) error { n++; return nil })
		if err != nil || n != benchTokens || usage.CompletionTokens != benchTokens {
			b.Fatalf("n=%d usage=%+v err=%v", n, usage, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunks), "ns/chunk")
}
