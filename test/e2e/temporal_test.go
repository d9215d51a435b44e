package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/test/containers"
)

// temporalEnv is the production profile: PostgreSQL (database and stream bus), turns on Temporal
// (a real dev server) on a task queue of the test's own.
func temporalEnv(t *testing.T) map[string]string {
	t.Helper()
	containers.RequireDocker(t)
	return map[string]string{
		"COMPANIONHUB_DATABASE_URL":        containers.NewPostgresDB(t, "e2e", migrateWithBinary),
		"COMPANIONHUB_TURN_RUNNER":         "temporal",
		"COMPANIONHUB_TEMPORAL_ADDRESS":    containers.NewTemporal(t),
		"COMPANIONHUB_TEMPORAL_TASK_QUEUE": fmt.Sprintf("e2e-%d-%d", time.Now().UnixNano(), queues.Add(1)),
		// A dead worker's step is given to another after 2 s without a heartbeat (10 s in
		// production), and retries wait a hundredth of the policies' pauses.
		"COMPANIONHUB_TEMPORAL_MAX_HEARTBEAT": "2s",
		"COMPANIONHUB_TURN_BACKOFF_SCALE":     "0.01",
	}
}

var queues atomic.Int64

// workerProc is a running `companionhub worker`.
type workerProc struct {
	opsURL string // where it serves /healthz, /readyz and /metrics
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan error
	done   bool
}

// startWorker runs `companionhub worker` with env and waits until it takes turns. The test fails if
// it does not stop gracefully on SIGTERM at the end (unless the test killed it).
func startWorker(t *testing.T, env map[string]string) *workerProc {
	t.Helper()
	cmd := exec.Command(binary, "worker")
	cmd.Dir = t.TempDir()
	cmd.Env = cleanEnv("COMPANIONHUB_DATA_DIR="+filepath.Join(cmd.Dir, "data"), "COMPANIONHUB_LOG_LEVEL=debug",
		"COMPANIONHUB_WORKER_HTTP_ADDR=127.0.0.1:0")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	w := &workerProc{cmd: cmd, logs: &syncBuffer{}}
	w.exited = startLogged(t, cmd, w.logs, "the worker", func(l logLine) bool {
		if l.Msg == "worker serving health and metrics" {
			w.opsURL = "http://" + l.Addr
		}
		return l.Msg == "worker running"
	})
	t.Cleanup(func() {
		if w.done {
			return
		}
		require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
		select {
		case err := <-w.exited:
			require.NoError(t, err, "graceful shutdown exits 0:\n%s", w.logs.String())
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("the worker did not stop within a minute of SIGTERM")
		}
	})
	return w
}

// kill ends the worker at once, as a crash would.
func (w *workerProc) kill(t *testing.T) {
	t.Helper()
	w.done = true
	killProcess(t, w.cmd, w.exited, "the worker")
}

// TestTemporalTurnStreamsEndToEnd: `serve` in one process starts the turn on Temporal, `worker` in
// another runs it, and the client of the server follows the reply live and finds it saved.
func TestTemporalTurnStreamsEndToEnd(t *testing.T) {
	t.Parallel()
	env := temporalEnv(t)
	h := startHub(t, env)
	w := startWorker(t, env)
	c := newChatter(t, h, "")
	sent := c.send(t, "hi")

	evs := c.follow(t, sent.Turn.ID, 0).rest()
	requireSequence(t, evs)
	done := completed(t, evs)
	require.Empty(t, ofType(evs, "reset"))
	require.Equal(t, done.Text, replyText(t, evs))
	require.Contains(t, done.Text, "I'm Mira Vale.")
	require.Len(t, ofType(evs, "state"), 1)

	msgs := c.history(t)
	require.Equal(t, []string{"assistant", "user"}, roles(msgs))
	require.Equal(t, done.MessageID, msgs[0].ID)
	turn := c.turn(t, sent.Turn.ID)
	require.Equal(t, "completed", turn.Status)
	require.Equal(t, done.MessageID, turn.ReplyID)

	res := h.client(t).do("GET", "/readyz", nil)
	require.Equal(t, 200, res.StatusCode, "%s", res.body)
	require.Contains(t, string(res.body), "temporal")
	res = h.client(t).do("GET", "/metrics", nil)
	require.Contains(t, string(res.body), "temporal_request", "the server's Temporal client reports to /metrics")

	// The worker serves its own health, readiness and metrics.
	for path, want := range map[string]string{"/healthz": `"ok"`, "/readyz": `"temporal":"ok"`,
		"/metrics": "temporal_activity_execution_latency_seconds"} {
		r, err := http.Get(w.opsURL + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(r.Body)
		_ = r.Body.Close()
		require.Equal(t, http.StatusOK, r.StatusCode, "%s: %s", path, body)
		require.Contains(t, string(body), want, path)
	}
}

// TestTemporalWorkerKilledMidReply: the worker dies while the reply streams; another worker picks
// the turn up, the reply is saved exactly once, and the client sees a coherent stream — a reset,
// then the whole reply.
func TestTemporalWorkerKilledMidReply(t *testing.T) {
	t.Parallel()
	env := temporalEnv(t)
	slow := with(env, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "40")
	h := startHub(t, slow)
	first := startWorker(t, slow)
	c := newChatter(t, h, "")
	sent := c.send(t, "Tell me about the stars.")
	s := c.follow(t, sent.Turn.ID, 0)
	seen := s.untilTokens(2) // the reply is being written

	first.kill(t)
	startWorker(t, slow)
	all := append(seen, s.rest()...)
	requireSequence(t, all)
	done := completed(t, all)
	require.NotEmpty(t, ofType(all, "reset"), "the retried reply starts over")
	require.Equal(t, done.Text, replyText(t, all), "after the reset, the tokens are the reply")

	msgs := c.history(t)
	require.Equal(t, []string{"assistant", "user"}, roles(msgs), "exactly one reply")
	require.Equal(t, done.MessageID, msgs[0].ID)
	require.Equal(t, done.Text, msgs[0].Text)
	require.Equal(t, "completed", c.turn(t, sent.Turn.ID).Status)
}

// TestTemporalTurnWhoseWorkflowEndedUnrecordedIsFinished: an operator terminates a turn's workflow
// before any worker ran it. Temporal will never finish the turn, so the server does: it fails as
// interrupted, and the person's message is kept.
func TestTemporalTurnWhoseWorkflowEndedUnrecordedIsFinished(t *testing.T) {
	t.Parallel()
	env := with(temporalEnv(t), "COMPANIONHUB_TURN_LEASE_TTL", "2s", "COMPANIONHUB_TURN_LEASE_RENEW_EVERY", "1s",
		"COMPANIONHUB_TURN_REAP_EVERY", "1s")
	h := startHub(t, env) // no worker: the workflow waits
	c := newChatter(t, h, "")
	sent := c.send(t, "hi")

	cfg := temporalwf.DefaultConfig()
	cfg.Address, cfg.TaskQueue = env["COMPANIONHUB_TEMPORAL_ADDRESS"], env["COMPANIONHUB_TEMPORAL_TASK_QUEUE"]
	tc, err := temporalwf.Dial(t.Context(), cfg, zap.NewNop(), nil)
	require.NoError(t, err)
	defer tc.Close()
	require.NoError(t, tc.TerminateWorkflow(t.Context(), sent.Turn.ID, "", "an operator's mistake"))

	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		turn := c.turn(ct, sent.Turn.ID)
		require.Equal(ct, "failed", turn.Status)
		require.NotNil(ct, turn.Error)
		require.Equal(ct, "interrupted", turn.Error.Code)
	}, 30*time.Second, 100*time.Millisecond, "the server finishes the turn Temporal dropped")
	require.Equal(t, []string{"user"}, roles(c.history(t)), "the message is kept")
	evs := c.follow(t, sent.Turn.ID, 0).rest()
	require.Equal(t, "error", evs[len(evs)-1].Type, "a follower hears how it ended")
}
