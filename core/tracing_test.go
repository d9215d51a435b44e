package core_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/test/hubtest"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// api is a client of a hub served over real HTTP/1.1 (so event streams are taken from net/http as
// in production).
type api struct {
	t     *testing.T
	url   string
	token string
}

func (a *api) call(method, path string, body any, hdr ...string) (int, []byte, http.Header) {
	a.t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(a.t, err)
	req, err := http.NewRequestWithContext(a.t.Context(), method, a.url+path, bytes.NewReader(raw))
	require.NoError(a.t, err)
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	require.NoError(a.t, err)
	return res.StatusCode, out, res.Header
}

// follow reads the turn's event stream until its terminal event and returns the event types.
func (a *api) follow(path string) []string {
	a.t.Helper()
	req, err := http.NewRequestWithContext(a.t.Context(), "GET", a.url+path, nil)
	require.NoError(a.t, err)
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(a.t, err)
	defer res.Body.Close()
	require.Equal(a.t, http.StatusOK, res.StatusCode)
	var types []string
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if typ, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			types = append(types, typ)
			if typ == "complete" || typ == "error" {
				return types
			}
		}
	}
	a.t.Fatalf("the stream ended without a terminal event: %v (%v)", types, sc.Err())
	return nil
}

// A message sent through the HTTP API on the in-process runner is one trace: the request's server
// span, the turn and its steps under it, the model's call under the reply, the statements under
// what ran them — with the request id as an attribute and the message's text in no attribute of
// any span; and the log lines of the request and of its use cases name the trace.
func TestAMessageIsOneTrace(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	logCore, logs := observer.New(zap.DebugLevel)
	// The hub opens its own database (no WithDatabase), so its statements are traced too.
	hub, err := core.New(t.Context(), hubtest.Config(t), zap.New(logCore), core.WithTracerProvider(tp))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	srv := httptest.NewServer(hub.Handler())
	t.Cleanup(srv.Close)

	const password = "saffron-harbour-lighthouse-81"
	const text = "Quillwort marmalade at the seventh lighthouse"
	a := &api{t: t, url: srv.URL}
	status, body, _ := a.call("POST", "/api/v1/auth/register", map[string]string{"email": "ada@example.com", "username": "ada",
		"display_name": "Ada", "password": password})
	require.Equal(t, http.StatusCreated, status, "%s", body)
	status, body, _ = a.call("POST", "/api/v1/auth/login", map[string]string{"identifier": "ada", "password": password})
	require.Equal(t, http.StatusOK, status, "%s", body)
	var login struct{ Token string }
	require.NoError(t, json.Unmarshal(body, &login))
	a.token = login.Token
	status, body, _ = a.call("POST", "/api/v1/companions", map[string]any{"name": "Mira", "age": 26})
	require.Equal(t, http.StatusCreated, status, "%s", body)
	var created struct{ Companion struct{ ID string } }
	require.NoError(t, json.Unmarshal(body, &created))

	status, body, _ = a.call("POST", "/api/v1/companions/"+created.Companion.ID+"/messages", map[string]string{"text": text},
		"X-Request-ID", "send-42")
	require.Equal(t, http.StatusAccepted, status, "%s", body)
	var sent struct {
		Turn struct {
			EventsURL string `json:"events_url"`
		}
	}
	require.NoError(t, json.Unmarshal(body, &sent))
	events := a.follow(sent.Turn.EventsURL)
	require.Equal(t, "complete", events[len(events)-1], "the reply streamed, over a connection taken from net/http")
	hub.Close() // the turn's last spans end with its last step; Close waits for it

	spans := exp.GetSpans()
	var send tracetest.SpanStub
	for _, s := range spans {
		if s.Name == "POST /api/v1/companions/{id}/messages" {
			send = s
		}
	}
	require.True(t, send.SpanContext.IsValid(), "the send's server span")
	assert.Equal(t, trace.SpanKindServer, send.SpanKind)
	assert.Contains(t, attrsOf(send), "companionhub.request_id=send-42")
	traceID := send.SpanContext.TraceID()

	// Every span of the trace, by id, to walk each one's ancestry up to the send.
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range spans {
		if s.SpanContext.TraceID() == traceID {
			byID[s.SpanContext.SpanID()] = s
		}
	}
	under := func(s tracetest.SpanStub, name string) bool {
		for p, ok := byID[s.Parent.SpanID()]; ok; p, ok = byID[p.Parent.SpanID()] {
			if p.Name == name {
				return true
			}
		}
		return false
	}
	named := func(name string) []tracetest.SpanStub {
		var out []tracetest.SpanStub
		for _, s := range byID {
			if s.Name == name {
				out = append(out, s)
			}
		}
		return out
	}
	turn := named("chat.turn")
	require.Len(t, turn, 1, "the turn is in the send's trace")
	assert.Equal(t, send.SpanContext.SpanID(), turn[0].Parent.SpanID(), "the request started it")
	for _, step := range []string{"step chat.recall", "step chat.reply", "step chat.analyze", "step chat.persist", "step chat.finish"} {
		require.NotEmpty(t, named(step), step)
		assert.Equal(t, turn[0].SpanContext.SpanID(), named(step)[0].Parent.SpanID(), step)
	}
	model := named("llm stream")
	require.NotEmpty(t, model, "the model's call is a span")
	assert.True(t, under(model[0], "step chat.reply"), "the reply's call")
	assert.Equal(t, trace.SpanKindClient, model[0].SpanKind)
	assert.Contains(t, attrsOf(model[0]), "companionhub.feature=llm")
	assert.Contains(t, attrsOf(model[0]), "companionhub.provider=offline")
	var sqlInRequest, sqlInSteps int
	for _, s := range byID {
		if !strings.HasPrefix(s.Name, "sql.") {
			continue
		}
		switch {
		case under(s, "chat.turn"):
			sqlInSteps++
		case s.Parent.SpanID() == send.SpanContext.SpanID() || under(s, send.Name):
			sqlInRequest++
		}
	}
	assert.Positive(t, sqlInRequest, "the send's statements")
	assert.Positive(t, sqlInSteps, "the steps' statements")

	// Nothing personal in any attribute of any span (every trace: logins and registration too).
	for _, s := range spans {
		for _, kv := range s.Attributes {
			v := kv.Value.Emit()
			for _, secret := range []string{"Quillwort", "marmalade", password, a.token, "ada@example.com"} {
				assert.NotContains(t, v, secret, "%s: %s", s.Name, kv.Key)
			}
		}
		for _, ev := range s.Events {
			for _, kv := range ev.Attributes {
				assert.NotContains(t, kv.Value.Emit(), "Quillwort", "%s: event %s", s.Name, ev.Name)
			}
		}
	}

	// The send's access log line and its use case's line name the trace, beside the request id.
	for _, line := range logs.FilterField(zap.String(logkey.RequestID, "send-42")).All() {
		assert.Equal(t, traceID.String(), line.ContextMap()[logkey.TraceID], "%s", line.Message)
		assert.NotEmpty(t, line.ContextMap()[logkey.SpanID], "%s", line.Message)
	}
	assert.NotZero(t, logs.FilterField(zap.String(logkey.RequestID, "send-42")).FilterMessage("request").Len())
	assert.NotZero(t, logs.FilterField(zap.String(logkey.UseCase, "chat.send")).FilterField(zap.String(logkey.TraceID, traceID.String())).Len())
}

// attrsOf lists a span's attributes as key=value.
func attrsOf(s tracetest.SpanStub) []string {
	out := make([]string, 0, len(s.Attributes))
	for _, kv := range s.Attributes {
		out = append(out, string(kv.Key)+"="+kv.Value.Emit())
	}
	return out
}
