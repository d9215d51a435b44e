package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/otlpfake"
)

// withTraces is env with traces exported to fake by the standard variables alone, in batches a
// tenth of a second apart (so spans arrive while the processes run).
func withTraces(env map[string]string, fake *otlpfake.Server) map[string]string {
	return with(env, "OTEL_EXPORTER_OTLP_ENDPOINT", fake.Endpoint(), "OTEL_BSP_SCHEDULE_DELAY", "100")
}

// tracedSend sends text with a request id of the test's own, follows the turn to its end, and
// returns the id of the send's trace once the receiver holds spans named every one of want in it.
func tracedSend(t *testing.T, c *chatter, fake *otlpfake.Server, text string, want ...string) (string, []otlpfake.Span) {
	t.Helper()
	requestID := unique("send")
	res := c.do("POST", "/api/v1/companions/"+c.companion+"/messages", map[string]any{"text": text},
		header("X-Request-ID", requestID))
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", res.body)
	var sent sentMessage
	res.json(t, &sent)
	completed(t, c.follow(t, sent.Turn.ID, 0).rest())

	for {
		var traceID string
		names := map[string]bool{}
		var trace []otlpfake.Span
		spans := fake.Spans()
		for _, s := range spans {
			if s.Attributes["companionhub.request_id"] == requestID && s.Kind == "SPAN_KIND_SERVER" {
				traceID = s.TraceID
			}
		}
		for _, s := range spans {
			if traceID != "" && s.TraceID == traceID {
				names[s.Name] = true
				trace = append(trace, s)
			}
		}
		missing := false
		for _, n := range want {
			missing = missing || !names[n]
		}
		if !missing {
			return traceID, trace
		}
		awaittest.Recv(t, fake.Arrived(), "the spans of the send's trace at the receiver: "+strings.Join(want, ", "))
	}
}

// requireNothingPersonal checks that no span of the trace carries the message's text.
func requireNothingPersonal(t *testing.T, spans []otlpfake.Span, text string) {
	t.Helper()
	for _, s := range spans {
		require.NotContains(t, s.Raw, text, "%s", s.Name)
	}
}

// `serve` with OTEL_EXPORTER_OTLP_ENDPOINT set exports over OTLP/HTTP one trace per message, from
// the HTTP send through the in-process turn and its steps to the model's call and the statements.
func TestTracesReachAnOTLPReceiver(t *testing.T) {
	t.Parallel()
	fake := otlpfake.New(t)
	h := startHub(t, withTraces(nil, fake))
	c := newChatter(t, h, "")
	const text = "Tell me about the quillwort marmalade."
	_, spans := tracedSend(t, c, fake, text, "POST /api/v1/companions/{id}/messages", "chat.turn", "step chat.reply",
		"llm stream", "step chat.finish")
	var statements int
	for _, s := range spans {
		assert.Equal(t, "companionhub", s.Service, s.Name)
		if strings.HasPrefix(s.Name, "sql.") {
			statements++
		}
	}
	assert.Positive(t, statements, "the statements are in the trace")
	requireNothingPersonal(t, spans, "quillwort")
}

// On the Temporal profile a message is one trace across processes: the server's send and the
// workflow it starts, and — in the worker — the workflow and every step as an activity, the model's
// call within the reply.
func TestTemporalTurnIsOneTrace(t *testing.T) {
	t.Parallel()
	fake := otlpfake.New(t)
	env := withTraces(temporalEnv(t), fake)
	h := startHub(t, env)
	startWorker(t, env)
	c := newChatter(t, h, "")
	const text = "Tell me about the quillwort marmalade."
	_, spans := tracedSend(t, c, fake, text, "POST /api/v1/companions/{id}/messages", "StartWorkflow:chat.turn",
		"RunWorkflow:chat.turn", "RunActivity:chat.reply", "llm stream")
	services := map[string]string{}
	for _, s := range spans {
		services[s.Name] = s.Service
	}
	assert.Equal(t, "companionhub", services["POST /api/v1/companions/{id}/messages"])
	assert.Equal(t, "companionhub", services["StartWorkflow:chat.turn"], "the server starts the workflow")
	assert.Equal(t, "companionhub-worker", services["RunActivity:chat.reply"], "a worker runs the steps")
	assert.Equal(t, "companionhub-worker", services["llm stream"])
	requireNothingPersonal(t, spans, "quillwort")
}
