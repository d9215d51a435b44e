package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/companionhub/companionhub/test/fakes/openaifake"
)

// The chat sections measure SPEC §4's chat targets on the embedded profile, over HTTP, against a
// hub built in-process and an OpenAI-compatible fake model server:
//
//	chat-ttft         time to the first token, hub vs. the model called directly (p50, p99)
//	chat-request      send → the model request for a chat of 100 000 messages vs. an empty one
//	chat-concurrency  1, 100, 1 000 concurrent 500-token turns vs. the 5 s ideal; lost tokens (again
//	                  with the fake model in its own process: chat_fakeproc.go)
//	chat-temporal     (chat_temporal.go) P1 on the Temporal profile; P7, history per turn, short vs. long reply
//
// They register themselves, so that adding them touched no other file; `-only chat` runs all three.
func init() {
	sections = append(sections,
		section{name: "chat-ttft", unit: "turn", run: runChatTTFT},
		section{name: "chat-request", unit: "turn", run: runChatRequest},
		section{name: "chat-concurrency", unit: "turn", run: runChatConcurrency},
	)
}

// fakeLLM is the model server of the chat benchmarks: two openaifake servers behind one address.
// Streamed requests (the reply) go to one, the others (the scene analysis, a JSON Complete call) to
// the other, so that each gets its own behaviour — the analysis can be answered at once while the
// reply waits for its first token. It timestamps what it sees, which is how the benchmarks tell the
// model's own time from the hub's.
type fakeLLM struct {
	srv     *httptest.Server
	tb      *openaifake.Standalone
	reply   *openaifake.Server
	analyse *openaifake.Server
	conns   atomic.Int64 // TCP connections accepted

	// Sequential measurements read these; when nobody drains them (concurrent runs) they fill up
	// and further timings are dropped.
	streams chan streamTiming
	calls   chan callTiming
}

// streamTiming is one streamed (reply) request: when it arrived and when its first token (the
// first chunk with non-empty content) was written to the hub.
type streamTiming struct{ arrived, firstToken time.Time }

// callTiming is one non-streamed request: when it arrived and when it was answered.
type callTiming struct{ arrived, answered time.Time }

// newFakeLLM starts the two fakes: reply answers streamed requests, analyse the others.
func newFakeLLM(reply, analyse []openaifake.Option) *fakeLLM {
	tb := &openaifake.Standalone{}
	f := &fakeLLM{tb: tb, reply: openaifake.New(tb, reply...), analyse: openaifake.New(tb, analyse...),
		streams: make(chan streamTiming, 64), calls: make(chan callTiming, 64)}
	f.srv = httptest.NewUnstartedServer(f)
	f.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			f.conns.Add(1)
		}
	}
	f.srv.Start()
	return f
}

// URL is the base URL the hub and the adapter are configured with.
func (f *fakeLLM) URL() string { return f.srv.URL + "/v1" }

func (f *fakeLLM) close() {
	f.tb.Close() // first: it stops the fakes' paced answers, which srv.Close would wait for
	f.srv.CloseClientConnections()
	f.srv.Close()
}

// drain forgets the timings recorded so far, before a sequential measurement.
func (f *fakeLLM) drain() {
	for {
		select {
		case <-f.streams:
		case <-f.calls:
		default:
			return
		}
	}
}

// nextStream returns the next streamed request's timing, waiting up to a second for its handler to
// finish (it records after the last chunk, which the hub may have acted on already).
func (f *fakeLLM) nextStream() (streamTiming, bool) {
	select {
	case t := <-f.streams:
		return t, true
	case <-time.After(time.Second):
		return streamTiming{}, false
	}
}

// nextCall returns the next non-streamed request's timing, like nextStream.
func (f *fakeLLM) nextCall() (callTiming, bool) {
	select {
	case t := <-f.calls:
		return t, true
	case <-time.After(time.Second):
		return callTiming{}, false
	}
}

func (f *fakeLLM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	// openai-go encodes the field without spaces; a full decode would cost the fake's time twice.
	if !bytes.Contains(body, []byte(`"stream":true`)) {
		f.analyse.ServeHTTP(w, r)
		offer(f.calls, callTiming{arrived: arrived, answered: time.Now()})
		return
	}
	tw := &firstTokenWriter{ResponseWriter: w}
	f.reply.ServeHTTP(tw, r)
	offer(f.streams, streamTiming{arrived: arrived, firstToken: tw.first})
}

// offer sends v unless ch is full.
func offer[T any](ch chan T, v T) {
	select {
	case ch <- v:
	default:
	}
}

// firstTokenWriter notes when the first chunk with content is written. The fake writes a chunk's
// JSON in one Write; the role chunk that precedes the tokens has empty content.
type firstTokenWriter struct {
	http.ResponseWriter
	first time.Time
}

var (
	contentField = []byte(`"content":"`)
	emptyContent = []byte(`"content":""`)
)

func (w *firstTokenWriter) Write(p []byte) (int, error) {
	if w.first.IsZero() && bytes.Contains(p, contentField) && !bytes.Contains(p, emptyContent) {
		w.first = time.Now()
	}
	return w.ResponseWriter.Write(p)
}

func (w *firstTokenWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of ds, which it sorts.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds))*p/100+0.999999) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// once is a result of one operation that took d: what the table prints for a percentile.
func once(d time.Duration) testing.BenchmarkResult { return testing.BenchmarkResult{N: 1, T: d} }

// ms formats a duration in milliseconds for row names.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
