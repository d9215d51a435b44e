// Package e2e tests the built companionhub binary from the outside: processes started with
// environment variables, talked to over HTTP, stopped with SIGTERM — on the embedded profile
// (SQLite, in-memory limits) and on the production profile's stores (PostgreSQL, Redis) in
// containers.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/containers"
)

// binary is the companionhub executable built once for the whole package.
var binary string

// e2eParallel is how many tests of this package run at once unless -parallel says otherwise: they
// mostly wait on the processes they started, so far more than the cores can run side by side.
const e2eParallel = 8

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		_ = flag.Set("test.parallel", strconv.Itoa(e2eParallel))
	}
	dir, err := os.MkdirTemp("", "companionhub-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "companionhub")
	build := exec.Command("go", "build", "-race", "-o", binary, "./cmd/companionhub")
	build.Dir = moduleRoot()
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build companionhub:", err)
		os.Exit(1)
	}
	code := containers.Run(m)
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// cleanEnv is the test process's environment without the hub's own variables, so a process a test
// starts is configured by the test alone — never by a developer's COMPANIONHUB_… settings, nor by
// OpenTelemetry's OTEL_… ones. (The test harness's own COMPANIONHUB_TEST_… variables stay: they
// choose images and tools, not settings.)
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "COMPANIONHUB_") && !strings.HasPrefix(kv, "COMPANIONHUB_TEST_") || strings.HasPrefix(kv, "OTEL_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

func moduleRoot() string {
	wd, _ := os.Getwd()
	return filepath.Clean(filepath.Join(wd, "..", ".."))
}

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// hub is a running `companionhub serve`.
type hub struct {
	t       *testing.T
	URL     string
	cmd     *exec.Cmd
	logs    *syncBuffer
	secrets []string // values that must never appear in the logs
	exited  chan error
	stopped bool // stop ran: a test stopped the hub itself
}

// profile is the environment a hub runs with, on top of what every test hub gets.
type profile struct {
	name string
	env  func(t *testing.T) map[string]string
}

// The deployments the journeys run on.
var (
	sqliteProfile        = profile{name: "SQLite", env: func(t *testing.T) map[string]string { return map[string]string{} }}
	postgresRedisProfile = profile{name: "PostgresRedis", env: func(t *testing.T) map[string]string {
		containers.RequireDocker(t)
		return map[string]string{
			"COMPANIONHUB_DATABASE_URL": containers.NewPostgresDB(t, "e2e", migrateWithBinary),
			"COMPANIONHUB_REDIS_URL":    containers.RedisURL(t),
		}
	}}
	// PostgreSQL alone: turn events travel by LISTEN/NOTIFY, limits are kept in the database.
	postgresProfile = profile{name: "Postgres", env: func(t *testing.T) map[string]string {
		containers.RequireDocker(t)
		return map[string]string{
			"COMPANIONHUB_DATABASE_URL": containers.NewPostgresDB(t, "e2e", migrateWithBinary),
			"COMPANIONHUB_STREAM_BUS":   "postgres",
		}
	}}
)

// profiles are the deployments every journey runs on.
var profiles = []profile{sqliteProfile, postgresRedisProfile, postgresProfile}

// sharedBusProfiles are the profiles whose hubs share turn events: replicas of one deployment.
func sharedBusProfiles() []profile { return []profile{postgresRedisProfile, postgresProfile} }

// migrateWithBinary prepares the template database with the binary's own migrate command.
func migrateWithBinary(ctx context.Context, dsn string) error {
	cmd := exec.CommandContext(ctx, binary, "migrate", "up")
	cmd.Env = cleanEnv("COMPANIONHUB_DATABASE_URL=" + dsn)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("migrate up: %w: %s", err, out)
	}
	return nil
}

// startHub runs the binary with env and waits until it serves. Every hub trusts 127.0.0.1 as a
// proxy, so tests choose client addresses with X-Forwarded-For. The test fails if the hub does not
// stop gracefully on SIGTERM, or if any registered secret reached its logs.
func startHub(t *testing.T, env map[string]string) *hub {
	t.Helper()
	cmd := exec.Command(binary, "serve")
	cmd.Dir = t.TempDir()
	cmd.Env = cleanEnv(
		"COMPANIONHUB_HTTP_ADDR=127.0.0.1:0",
		"COMPANIONHUB_DATA_DIR="+filepath.Join(cmd.Dir, "data"),
		"COMPANIONHUB_LOG_LEVEL=debug",
		"COMPANIONHUB_TRUSTED_PROXIES=127.0.0.1",
		"COMPANIONHUB_PASSWORD_HASH_MEMORY_KIB=1024",
	)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logs := &syncBuffer{}
	h := &hub{t: t, cmd: cmd, logs: logs}
	var addr string
	h.exited = startLogged(t, cmd, logs, "the hub", func(l logLine) bool {
		addr = l.Addr
		return l.Msg == "serving"
	})
	h.URL = "http://" + addr
	t.Cleanup(h.stop)
	return h
}

// logLine is what the tests read of a JSON log line.
type logLine struct {
	Msg  string `json:"msg"`
	Addr string `json:"addr"`
}

// startLogged starts cmd with its output collected in logs and waits — a minute at most — until
// one of its JSON log lines satisfies ready (what is called the process in failures). It returns
// the channel the process's exit arrives on.
func startLogged(t *testing.T, cmd *exec.Cmd, logs *syncBuffer, what string, ready func(logLine) bool) chan error {
	t.Helper()
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(pw, logs)
	cmd.Stdout = logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() {
		exited <- cmd.Wait()
		_ = pw.Close()
	}()
	readied := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		seen := false
		for sc.Scan() {
			var l logLine
			if !seen && json.Unmarshal(sc.Bytes(), &l) == nil && ready(l) {
				seen = true
				close(readied)
			}
		}
		if !seen {
			close(readied)
		}
	}()
	select {
	case <-readied:
		select {
		case err := <-exited:
			t.Fatalf("%s exited before it was ready (%v):\n%s", what, err, logs.String())
		default:
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%s was not ready within a minute:\n%s", what, logs.String())
	}
	return exited
}

// secret registers a value that must never appear in the hub's logs.
func (h *hub) secret(v string) { h.secrets = append(h.secrets, v) }

// kill ends the hub at once (SIGKILL), as a crash or an out-of-memory kill would.
func (h *hub) kill(t *testing.T) {
	t.Helper()
	h.stopped = true
	killProcess(t, h.cmd, h.exited, "the hub")
}

// killProcess ends a process at once (SIGKILL) and waits, bounded, for it to exit; exited is
// what startLogged returned for it.
func killProcess(t *testing.T, cmd *exec.Cmd, exited <-chan error, what string) {
	t.Helper()
	require.NoError(t, cmd.Process.Kill())
	awaittest.Recv(t, exited, "the exit of "+what+" after SIGKILL")
}

func (h *hub) stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	t := h.t
	require.NoError(t, h.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-h.exited:
		require.NoError(t, err, "graceful shutdown exits 0:\n%s", h.logs.String())
	case <-time.After(30 * time.Second):
		_ = h.cmd.Process.Kill()
		t.Fatalf("the hub did not stop within 30s of SIGTERM")
	}
	logs := h.logs.String()
	require.Contains(t, logs, `"msg":"shutting down"`)
	for _, s := range h.secrets {
		if s != "" && strings.Contains(logs, s) {
			t.Errorf("a secret reached the logs: %q", s)
		}
	}
}
