package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// TemporalCLIEnv names the temporal CLI binary the tests run as their Temporal dev server. Unset,
// it is the one scripts/temporal-cli.sh (make temporal-cli, run by make test) builds and caches.
const TemporalCLIEnv = "COMPANIONHUB_TEST_TEMPORAL_CLI"

// TemporalCLIVersion is the CLI the Makefile builds; newer versions do not build here.
const TemporalCLIVersion = "v1.5.1"

// TemporalCLI is the path of the temporal CLI the tests use.
func TemporalCLI() string {
	if v := strings.TrimSpace(os.Getenv(TemporalCLIEnv)); v != "" {
		return v
	}
	cache := os.Getenv("COMPANIONHUB_CACHE_DIR")
	if cache == "" {
		base := os.Getenv("XDG_CACHE_HOME")
		if base == "" {
			home, _ := os.UserHomeDir()
			base = filepath.Join(home, ".cache")
		}
		cache = filepath.Join(base, "companionhub")
	}
	return filepath.Join(cache, "temporal-"+TemporalCLIVersion, "temporal")
}

var temporal lazy[*testsuite.DevServer]

// StartTemporal starts this process's Temporal dev server (in memory, namespace "default") if it is
// not running yet and returns its frontend's host:port. Tests isolate themselves with task queues
// and workflow ids of their own. Call Stop (or end the tests through Main) to stop it.
func StartTemporal(ctx context.Context) (string, error) {
	s, err := temporal.get(ctx, startTemporal)
	if err != nil {
		return "", err
	}
	return s.FrontendHostPort(), nil
}

// NewTemporal returns the host:port of the shared Temporal dev server, starting it on first use; it
// skips t when the CLI is missing, except on CI, where it fails.
func NewTemporal(t testing.TB) string {
	t.Helper()
	requireMain(t)
	RequireTemporal(t)
	hostPort, err := StartTemporal(t.Context())
	if err != nil {
		t.Fatalf("containers: %v", err)
	}
	return hostPort
}

// RequireTemporal skips t when the temporal CLI is not where TemporalCLI says, explaining how to get
// it, except on CI (CI=true), where it fails. Under -short it skips, except on CI.
func RequireTemporal(t testing.TB) {
	t.Helper()
	if skipShort(t, "a Temporal dev server") {
		return
	}
	path := TemporalCLI()
	if _, err := os.Stat(path); err == nil {
		return
	}
	Unavailable(t, "runs a real Temporal dev server and the temporal CLI is missing:\n    "+path,
		"`make temporal-cli` (builds "+TemporalCLIVersion+" once, about 4 minutes), or set\n  "+
			TemporalCLIEnv+" to a temporal binary.")
}

func startTemporal(ctx context.Context) (*testsuite.DevServer, func(context.Context) error, error) {
	s, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  TemporalCLI(),
		LogLevel:      "error",
		ClientOptions: &client.Options{Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))},
		// As the README recommends for self-hosted servers: a step scheduled by a worker starts on
		// that worker at once instead of taking a trip through the task queue.
		ExtraArgs: []string{"--dynamic-config-value", "system.enableActivityEagerExecution=true"},
		Stdout:    io.Discard,
		Stderr:    os.Stderr,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("start the Temporal dev server (%s): %w", TemporalCLI(), err)
	}
	stop := func(context.Context) error {
		s.Client().Close()
		if err := s.Stop(); err != nil && !errors.Is(err, os.ErrProcessDone) && !strings.Contains(err.Error(), "signal: interrupt") {
			return fmt.Errorf("stop the Temporal dev server: %w", err)
		}
		return nil
	}
	return s, stop, nil
}
