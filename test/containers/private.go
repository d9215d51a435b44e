package containers

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// The shared servers (NewPostgresDB, RedisURL, NewTemporal) serve every test of the process, so no
// test may stop them. A test that wants to see what an outage does starts a private server of its
// own, which it stops and starts again at will. Its address survives a restart — the port is bound
// to a fixed host port, as a server on a machine of its own keeps its address — and so does its
// data where a real deployment's would: PostgreSQL's lives in the container rather than a tmpfs
// (so a private server starts slower than the shared one), Temporal's in a file. Redis's test
// image persists nothing, like a Redis configured as a cache: it comes back empty.

// privateStopTimeout is how long a stop waits for the server to exit before Docker kills it.
// PostgreSQL's default (smart) shutdown waits for its clients to leave, which a running hub never
// does; either way the server is gone.
const privateStopTimeout = 2 * time.Second

// Private is a server in a container of one test's own; the test's cleanup removes it.
type Private struct {
	what string // what failures call it
	c    testcontainers.Container
	addr string // host:port, the same across restarts
}

// Addr is the host:port the server answers on, before and after restarts.
func (p *Private) Addr() string { return p.addr }

// Stop stops the server (SIGTERM, then SIGKILL after a moment): until Start, connections to its
// address are refused.
func (p *Private) Stop(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	timeout := privateStopTimeout
	if err := p.c.Stop(ctx, &timeout); err != nil {
		t.Fatalf("containers: stop the private %s: %v", p.what, err)
	}
}

// Start starts a stopped server again on the same address and waits until it answers.
func (p *Private) Start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := p.c.Start(ctx); err != nil {
		t.Fatalf("containers: start the private %s again: %v", p.what, err)
	}
}

// NewPrivatePostgres starts a PostgreSQL server of t's own and returns it with the DSN of its
// database, which migrate prepared. It is slower to start than NewPostgresDB (a cluster is
// initialised, on the container's file system): use it only to stop the server.
func NewPrivatePostgres(t testing.TB, migrate func(ctx context.Context, dsn string) error) (*Private, string) {
	t.Helper()
	const db = "companionhub"
	base := url.URL{Scheme: "postgres", User: url.UserPassword(pgUser, pgPassword),
		Path: "/" + db, RawQuery: "sslmode=disable&connect_timeout=5"}
	cmd := []string{"postgres"}
	for _, kv := range pgSettings {
		cmd = append(cmd, "-c", kv)
	}
	// Unlike the shared server's, a commit this one acknowledged survives the server's death: what
	// a test restarting it checks is the hub, not the loss of the last commits. (Without fsync,
	// what was written is still in the machine's page cache, which a server's crash keeps.)
	cmd = append(cmd, "-c", "synchronous_commit=on")
	p := startPrivate(t, "postgres", PostgresImage(), pgPort, func(ctx context.Context, addr string) error {
		u := base
		u.Host = addr
		conn, err := sql.Open("postgres", u.String())
		if err != nil {
			return err
		}
		defer conn.Close()
		_, err = conn.ExecContext(ctx, "SELECT 1")
		return err
	}, testcontainers.WithEnv(map[string]string{"POSTGRES_USER": pgUser, "POSTGRES_PASSWORD": pgPassword, "POSTGRES_DB": db}),
		testcontainers.WithCmd(cmd...))
	base.Host = p.addr
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := migrate(ctx, base.String()); err != nil {
		t.Fatalf("containers: migrate the private postgres: %v", err)
	}
	return p, base.String()
}

// NewPrivateRedis starts a Redis server of t's own and returns it with its URL. It comes back
// empty after a restart.
func NewPrivateRedis(t testing.TB) (*Private, string) {
	t.Helper()
	p := startPrivate(t, "redis", RedisImage(), redisPort, pingRedis)
	return p, "redis://" + p.addr + "/0"
}

// startPrivate runs image with port bound to a free host port (another one if Docker finds it
// taken meanwhile), waiting until ready answers.
func startPrivate(t testing.TB, what, image, port string, ready func(context.Context, string) error,
	opts ...testcontainers.ContainerCustomizer) *Private {
	t.Helper()
	RequireDocker(t)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := checkImage(ctx, image); err != nil {
		t.Fatalf("containers: %v", err)
	}
	var errs []error
	for range 3 {
		hostPort, err := freePort()
		if err != nil {
			t.Fatalf("containers: a free port for the private %s: %v", what, err)
		}
		probe := &probe{name: what, port: port, timeout: startTimeout, check: ready}
		c, err := testcontainers.Run(ctx, image, append([]testcontainers.ContainerCustomizer{
			testcontainers.WithExposedPorts(port),
			testcontainers.WithHostConfigModifier(func(hc *container.HostConfig) {
				hc.PortBindings = network.PortMap{network.MustParsePort(port): {{HostPort: hostPort}}}
			}),
			testcontainers.WithLabels(label),
			testcontainers.WithWaitStrategy(probe),
		}, opts...)...)
		if c != nil {
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				if err := terminate(ctx, c); err != nil {
					t.Errorf("containers: private %s: %v", what, err)
				}
			})
		}
		if err == nil {
			return &Private{what: what, c: c, addr: probe.addr}
		}
		errs = append(errs, err)
		if !strings.Contains(err.Error(), "allocated") && !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	t.Fatalf("containers: start a private %s (%s): %v", what, image, errors.Join(errs...))
	return nil
}

// freePort is a TCP port nothing listens on now.
func freePort() (string, error) {
	l, err := net.Listen("tcp", ":0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port), nil
}

// PrivateTemporal is a Temporal dev server of one test's own, kept in a file, so that it can be
// stopped and started again on the same address with its workflows where they were.
type PrivateTemporal struct {
	hostPort string
	db       string
	s        *testsuite.DevServer
}

// NewPrivateTemporal starts a Temporal dev server of t's own (namespace "default"); the test's
// cleanup stops it. It skips t when the temporal CLI is missing, except on CI, where it fails.
func NewPrivateTemporal(t testing.TB) *PrivateTemporal {
	t.Helper()
	RequireTemporal(t)
	port, err := freePort()
	if err != nil {
		t.Fatalf("containers: a free port for a private Temporal: %v", err)
	}
	p := &PrivateTemporal{hostPort: net.JoinHostPort("127.0.0.1", port), db: filepath.Join(t.TempDir(), "temporal.db")}
	p.Start(t)
	t.Cleanup(func() {
		if p.s != nil {
			p.Stop(t)
		}
	})
	return p
}

// HostPort is the server's frontend, before and after restarts.
func (p *PrivateTemporal) HostPort() string { return p.hostPort }

// Start starts the server (again) and waits until it answers.
func (p *PrivateTemporal) Start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath: TemporalCLI(),
		DBFilename:   p.db,
		LogLevel:     "error",
		ClientOptions: &client.Options{HostPort: p.hostPort,
			Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler))},
		ExtraArgs: []string{"--dynamic-config-value", "system.enableActivityEagerExecution=true"},
		Stdout:    io.Discard,
		Stderr:    os.Stderr,
	})
	if err != nil {
		t.Fatalf("containers: start a private Temporal dev server on %s: %v", p.hostPort, err)
	}
	p.s = s
}

// Stop stops the server (SIGINT) and waits for it to exit: until Start, its address refuses
// connections.
func (p *PrivateTemporal) Stop(t testing.TB) {
	t.Helper()
	s := p.s
	p.s = nil
	s.Client().Close()
	if err := s.Stop(); err != nil && !errors.Is(err, os.ErrProcessDone) && !strings.Contains(err.Error(), "signal: interrupt") {
		t.Errorf("containers: stop the private Temporal dev server: %v", err)
	}
}
