package sentry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/companionhub/companionhub/adapter/sentry"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/contract/reportertest"
	"github.com/companionhub/companionhub/test/fakes/sentryfake"
	"github.com/companionhub/companionhub/usecase/incident"
)

func newReporter(t *testing.T, fake *sentryfake.Server) *sentry.Reporter {
	t.Helper()
	r, err := sentry.New(sentry.Config{DSN: secret.String(fake.DSN()), Environment: "test"}, "v1.2.3", nil)
	require.NoError(t, err)
	t.Cleanup(r.Close)
	return r
}

// await waits for n events and reads them as the suite sees reports.
func await(t *testing.T, r *sentry.Reporter, fake *sentryfake.Server, n int) ([]map[string]any, []string) {
	t.Helper()
	r.Close() // flush: the client sends from a queue of its own
	for range n {
		awaittest.Recv(t, fake.Arrived(), "a report at the fake Sentry")
	}
	return fake.Events()
}

func TestConformance(t *testing.T) {
	t.Parallel()
	reportertest.Run(t, func(t *testing.T) reportertest.Env {
		fake := sentryfake.New(t)
		r := newReporter(t, fake)
		return reportertest.Env{Reporter: r, Await: func(t *testing.T, n int) []reportertest.Delivered {
			events, raw := await(t, r, fake, n)
			out := make([]reportertest.Delivered, 0, len(events))
			for i, ev := range events {
				tags, _ := ev["tags"].(map[string]any)
				where, _ := tags["where"].(string)
				rid, _ := tags["request_id"].(string)
				msg, _ := ev["message"].(string)
				out = append(out, reportertest.Delivered{Message: strings.TrimPrefix(msg, "panic: "), Where: where, RequestID: rid,
					Panic: tags["kind"] == "panic", Raw: raw[i]})
			}
			return out
		}}
	})
}

// What reaches Sentry is the failure, tagged, with the release and environment — and nothing about
// people, requests or the machine.
func TestReportsAreScrubbedAndTagged(t *testing.T) {
	t.Parallel()
	fake := sentryfake.New(t)
	r := newReporter(t, fake)
	r.Report(context.Background(), incident.Report{Err: domain.Errorf(domain.KindInternal, "select companion: database is locked"),
		Where: "companion.get", RequestID: "req-1"})
	events, raw := await(t, r, fake, 1)
	ev := events[0]
	require.Equal(t, "v1.2.3", ev["release"])
	require.Equal(t, "test", ev["environment"])
	require.Equal(t, "error", ev["level"])
	require.Equal(t, "companionhub", ev["server_name"], "not the machine's name")
	for _, key := range []string{"user", "request", "breadcrumbs", "contexts", "modules"} {
		require.NotContains(t, ev, key, "nothing %s-like leaves the hub", key)
	}
	require.NotContains(t, raw[0], fake.DSN(), "the DSN is not in the event")
	tags := ev["tags"].(map[string]any)
	require.Equal(t, "internal", tags["kind"])
	require.NotContains(t, tags, "trace_id", "an untraced failure has none")
}

// A failure in a traced context names its trace, so the report and the trace find each other.
func TestReportsNameTheirTrace(t *testing.T) {
	t.Parallel()
	fake := sentryfake.New(t)
	r := newReporter(t, fake)
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	spanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled}))
	r.Report(ctx, incident.Report{Err: domain.Errorf(domain.KindInternal, "boom"), Where: "chat.send", RequestID: "req-1"})
	events, _ := await(t, r, fake, 1)
	tags := events[0]["tags"].(map[string]any)
	require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", tags["trace_id"])
	require.Equal(t, "req-1", tags["request_id"])
}

func TestTheDSNIsChecked(t *testing.T) {
	t.Parallel()
	_, err := sentry.New(sentry.Config{DSN: secret.String("not a dsn")}, "", nil)
	require.Error(t, err)
	require.NoError(t, sentry.Config{}.Validate(), "no DSN: no reports, no error")
	require.Error(t, errors.Join(sentry.Config{DSN: secret.String("http://host/1")}.Validate()), "a DSN needs its key")
}

// A failure's text may quote a person's data (a driver's error detail): it is redacted.
func TestFailureTextIsRedacted(t *testing.T) {
	t.Parallel()
	fake := sentryfake.New(t)
	r := newReporter(t, fake)
	r.Report(context.Background(), incident.Report{Where: "account.register", Err: domain.Errorf(domain.KindInternal,
		`insert user: pq: duplicate key value violates unique constraint "users_email_key": Key (email)=(ada@example.com) already exists; token chs_abcdefghijklmnop`)})
	_, raw := await(t, r, fake, 1)
	for _, secret := range []string{"ada@example.com", "chs_abcdefghijklmnop"} {
		require.NotContains(t, raw[0], secret)
	}
	require.Contains(t, raw[0], "users_email_key", "the rest of the failure stays")
}
