package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/containers"
)

// talkers is how many people talk to the hub at once while its dependencies restart.
const talkers = 4

// outageHold is how long a dependency stays down: longer than the steps of the turns in flight
// keep retrying at restartEnv's pace (a quarter of the policies' pauses), so that some of them
// fail, as a real outage makes them; short enough to keep the test quick.
const outageHold = 4 * time.Second

// restartEnv is what every hub and worker of the restart tests runs with: replies paced so that
// they are still being written when a dependency goes, limits no talker reaches, steps retrying at
// a quarter of the policies' pauses, and leases short enough that a turn whose runner lost it is
// finished within seconds.
func restartEnv(env map[string]string) map[string]string {
	return with(env, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "30", "COMPANIONHUB_RATE_LIMIT_CHAT", "10000/1m",
		"COMPANIONHUB_TURN_BACKOFF_SCALE", "0.25",
		"COMPANIONHUB_TURN_LEASE_TTL", "3s", "COMPANIONHUB_TURN_LEASE_RENEW_EVERY", "1s", "COMPANIONHUB_TURN_REAP_EVERY", "1s")
}

// TestRestartsUnderLoad is S8: while people talk to their companions without pause, the hub's
// dependencies restart — PostgreSQL, then Redis, with serve running the turns itself; Temporal,
// and PostgreSQL again, with serve and a worker running them on Temporal. While one is down,
// /readyz answers 503 naming it, and a send is answered — refused with the API's JSON error (on
// Temporal once the start's own bound, three seconds, has passed) — never left hanging. Once
// it is back, the hub recovers by itself, no process restarted, and answers new messages. Every
// message it accepted is accounted for: its reply completed or its turn failed with an error code
// (never "internal": an outage is no bug); none lost, none twice in the conversation, at most one
// reply per turn — with clients that send again under the same Idempotency-Key whatever got no
// answer or a 5xx, and resume broken streams with Last-Event-ID.
func TestRestartsUnderLoad(t *testing.T) {
	t.Parallel()
	t.Run("PostgresRedis", func(t *testing.T) {
		t.Parallel()
		containers.RequireDocker(t)
		pg, dsn := containers.NewPrivatePostgres(t, migrateWithBinary)
		rd, redisURL := containers.NewPrivateRedis(t)
		h := startHub(t, restartEnv(map[string]string{"COMPANIONHUB_DATABASE_URL": dsn, "COMPANIONHUB_REDIS_URL": redisURL}))
		l := newLoad(t, h, talkers)
		l.outage(t, "PostgreSQL", "database", pg.Stop, pg.Start)
		l.outage(t, "Redis", "redis", rd.Stop, rd.Start)
	})
	t.Run("Temporal", func(t *testing.T) {
		t.Parallel()
		tp := containers.NewPrivateTemporal(t)
		h := startTemporalProfile(t, containers.NewPostgresDB(t, "e2e", migrateWithBinary), tp.HostPort())
		l := newLoad(t, h, talkers)
		l.outage(t, "Temporal", "temporal", tp.Stop, tp.Start)
	})
	t.Run("TemporalPostgres", func(t *testing.T) {
		t.Parallel()
		containers.RequireDocker(t)
		pg, dsn := containers.NewPrivatePostgres(t, migrateWithBinary)
		h := startTemporalProfile(t, dsn, containers.NewTemporal(t))
		l := newLoad(t, h, talkers)
		l.outage(t, "PostgreSQL", "database", pg.Stop, pg.Start)
	})
}

// startTemporalProfile starts serve and a worker of the production profile — PostgreSQL at dsn
// (its database and stream bus), turns on the Temporal server at temporal — on a task queue of
// their own, and returns the serving hub.
func startTemporalProfile(t *testing.T, dsn, temporal string) *hub {
	t.Helper()
	containers.RequireDocker(t)
	env := restartEnv(map[string]string{
		"COMPANIONHUB_DATABASE_URL":        dsn,
		"COMPANIONHUB_TURN_RUNNER":         "temporal",
		"COMPANIONHUB_TEMPORAL_ADDRESS":    temporal,
		"COMPANIONHUB_TEMPORAL_TASK_QUEUE": fmt.Sprintf("restarts-%d-%d", time.Now().UnixNano(), queues.Add(1)),
		// A step whose worker lost Temporal is given to another after 2 s without a heartbeat.
		"COMPANIONHUB_TEMPORAL_MAX_HEARTBEAT": "2s",
	})
	h := startHub(t, env)
	startWorker(t, env)
	return h
}

// outage is one phase of load around a dependency's restart: once replies stream, the dependency
// (what /readyz calls check) stops; the hub must say so and refuse a send cleanly; it starts again
// and the hub must recover by itself and answer every talker anew. Then the talkers stop and the
// phase's messages are accounted for.
func (l *load) outage(t *testing.T, name, check string, stop, start func(testing.TB)) {
	t.Helper()
	prober := l.prober(t)
	began := time.Now()
	l.start()
	l.awaitAnswered(t)
	l.awaitStreaming(t)

	stop(t)
	// Nothing to await: an outage lasts as long as it lasts. This one outlasts the steps' retries.
	back := time.NewTimer(outageHold)
	defer back.Stop()
	requireReadiness(t, l.h, check)
	// A send while it is down: answered, and if refused, with the API's error.
	s := &loadSend{phase: l.phase, key: unique("probe"), text: fmt.Sprintf("Phase %d: are you there?", l.phase)}
	prober.sends = append(prober.sends, s)
	asked := time.Now()
	status, body, err := l.request(prober, "POST", "/api/v1/companions/"+prober.c.companion+"/messages",
		map[string]any{"text": s.text}, map[string]string{"Idempotency-Key": s.key})
	require.NoError(t, err, "a send while %s is down is answered", name)
	down := strconv.Itoa(status)
	answeredIn := time.Since(asked)
	if status != http.StatusAccepted {
		require.True(t, status >= 500 || status == http.StatusTooManyRequests, "a send while %s is down: %d %s", name, status, body)
		down = l.refusal(prober, "send", status, body)
		s.refusals = append(s.refusals, down)
	}

	<-back.C
	restarted := time.Now()
	start(t)
	requireReadiness(t, l.h, "")
	ready := time.Since(restarted)
	l.recovered()
	// The client that was refused sends again, as it would, and is answered.
	require.True(t, l.send(prober, s), "the refused send is accepted once %s is back", name)
	l.follow(prober, s)
	l.awaitAnswered(t)
	l.halt(t)
	c := l.account(t)
	require.Zero(t, c.lost, "lost")
	require.Zero(t, c.duplicated, "duplicated")
	t.Logf("%s restart: %s; a send while it was down: %s in %s; ready %s after the restart began; phase took %s",
		name, c, down, answeredIn.Round(10*time.Millisecond), ready.Round(10*time.Millisecond), time.Since(began).Round(100*time.Millisecond))
}

// prober is the quiet talker of the load, who sends by hand while a dependency is down.
func (l *load) prober(t *testing.T) *talker {
	t.Helper()
	for _, tk := range l.talkers {
		if tk.quiet {
			return tk
		}
	}
	tk := &talker{name: "prober", c: newChatter(t, l.h, ""), quiet: true}
	l.talkers = append(l.talkers, tk)
	return tk
}

// requireReadiness waits until /readyz says down is down — 503, that check "down" and every other
// "ok" — or, when down is empty, that the hub is ready again: 200, every check "ok".
func requireReadiness(t *testing.T, h *hub, down string) {
	t.Helper()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		ctx, cancel := context.WithTimeout(context.Background(), requestPatience)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, "GET", h.URL+"/readyz", nil)
		require.NoError(ct, err)
		res, err := http.DefaultClient.Do(req)
		require.NoError(ct, err, "/readyz answers")
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(ct, err)
		var r readiness
		require.NoError(ct, json.Unmarshal(body, &r), "%s", body)
		want, status := "ok", http.StatusOK
		if down != "" {
			want, status = "unavailable", http.StatusServiceUnavailable
			require.Equal(ct, "down", r.Checks[down], "/readyz names %s: %s", down, body)
		}
		require.Equal(ct, status, res.StatusCode, "%s", body)
		require.Equal(ct, want, r.Status)
		for name, state := range r.Checks {
			if name != down {
				require.Equal(ct, "ok", state, "/readyz: %s", body)
			}
		}
	}, awaittest.Patience, 50*time.Millisecond, "/readyz says %q is down (empty: all is well)", down)
}

// readiness is /readyz's answer.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}
