// Package containers starts the real PostgreSQL and Redis servers the integration tests run against,
// once per test process, with testcontainers.
//
// The machines this project is developed on reach a Docker engine but no registry, so the default
// images are built locally from Debian packages by scripts/test-images.sh (make test-images). Anyone
// with a registry can point the tests at official images instead:
//
//	COMPANIONHUB_TEST_POSTGRES_IMAGE=pgvector/pgvector:pg17 COMPANIONHUB_TEST_REDIS_IMAGE=redis:7 go test ./...
//
// Ryuk, testcontainers' garbage collector, is an image that cannot be pulled either, so it is off and
// this package removes its own containers: a package that uses it must end its tests through Main,
//
//	func TestMain(m *testing.M) { containers.Main(m) }
//
// and a program that calls StartPostgres or StartRedis must call Stop before it exits. Containers that
// escape anyway (a test binary killed by -timeout) carry the label companionhub.test=true:
//
//	docker rm -f $(docker ps -aq --filter label=companionhub.test=true)
package containers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// Environment variables that choose the images.
const (
	PostgresImageEnv = "COMPANIONHUB_TEST_POSTGRES_IMAGE"
	RedisImageEnv    = "COMPANIONHUB_TEST_REDIS_IMAGE"

	defaultPostgresImage = "companionhub-test/postgres:17"
	defaultRedisImage    = "companionhub-test/redis:7"
	// localImagePrefix marks the images scripts/test-images.sh builds; those can never be pulled.
	localImagePrefix = "companionhub-test/"
)

// label is set on every container this package starts, so escaped ones can be found and removed.
var label = map[string]string{"companionhub.test": "true"}

// startTimeout bounds a container's start, readiness included; the first start on a cold machine
// (initdb, page cache) takes a few seconds, so this only catches a wedged engine.
const startTimeout = 2 * time.Minute

// PostgresImage is the PostgreSQL image the tests use.
func PostgresImage() string { return envOr(PostgresImageEnv, defaultPostgresImage) }

// RedisImage is the Redis image the tests use.
func RedisImage() string { return envOr(RedisImageEnv, defaultRedisImage) }

func envOr(name, def string) string {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		return v
	}
	return def
}

// mainInstalled records that the test binary ends through Main, which is what removes the containers.
var mainInstalled atomic.Bool

// Main runs the tests of a package and then removes the containers they started. Use it as the
// package's TestMain: a deferred Stop would never run, because os.Exit skips deferred calls.
func Main(m *testing.M) { os.Exit(Run(m)) }

// Run is Main for a TestMain with more to tidy up: it runs the tests, removes the containers and
// returns the exit code, for the caller to pass to os.Exit once it is done.
func Run(m *testing.M) int {
	mainInstalled.Store(true)
	disableRyuk()
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := Stop(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "containers: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Stop removes every container this process started and closes the connections to them. Starting
// again afterwards is allowed (new containers are started).
func Stop(ctx context.Context) error {
	errs := make(chan error, 3)
	go func() { errs <- postgres.stop(ctx) }()
	go func() { errs <- redis.stop(ctx) }()
	go func() { errs <- temporal.stop(ctx) }()
	return errors.Join(<-errs, <-errs, <-errs)
}

// requireMain fails a test whose package would leak containers because it does not end through Main.
func requireMain(t testing.TB) {
	t.Helper()
	if !mainInstalled.Load() {
		t.Fatal("containers: this package's tests start containers but nothing would remove them " +
			"(Ryuk is off). Add to the package:\n\n\tfunc TestMain(m *testing.M) { containers.Main(m) }")
	}
}

// RequireDocker skips t when no Docker engine is reachable, explaining how to run it, except on CI
// (CI=true), where a skipped integration test would pass unnoticed and so fails instead. Under
// -short (make test-unit) it skips without asking the engine, except on CI.
func RequireDocker(t testing.TB) {
	t.Helper()
	if skipShort(t, "a Docker engine (real PostgreSQL and Redis)") {
		return
	}
	requireDocker(t, dockerReachable())
}

// skipShort skips t under -short, saying what it needs, unless on CI (where -short must not hide
// an integration test; the check that follows then runs it or fails it). It reports whether it
// skipped (for callers whose t does not stop at Skip, such as tests of this package).
func skipShort(t testing.TB, needs string) bool {
	t.Helper()
	if !isShort() || onCI() {
		return false
	}
	t.Skip("SKIPPED (-short): this test needs " + needs + "; run it without -short")
	return true
}

func requireDocker(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	Unavailable(t, "needs a Docker engine to run real PostgreSQL/Redis, and none is reachable:\n    "+err.Error(),
		"start Docker (or set DOCKER_HOST), build the test images once with\n"+
			"  `make test-images` (scripts/test-images.sh), and run the tests again.")
}

// Unavailable skips t, which needs something this machine lacks (why: what and why not; howTo:
// how to get it), in a banner no one can miss, except on CI (CI=true), where a skipped
// integration test would pass unnoticed and so fails instead. Docker, the temporal CLI and
// external programs such as espeak-ng all go through it.
func Unavailable(t testing.TB, why, howTo string) {
	t.Helper()
	msg := "\n" + strings.Repeat("!", 78) + "\n" +
		"  SKIPPED: this test " + why + "\n" +
		"  To run it: " + howTo + "\n" +
		strings.Repeat("!", 78)
	if onCI() {
		t.Fatal(strings.Replace(msg, "SKIPPED", "FAILED (CI=true)", 1))
		return
	}
	t.Skip(msg)
}

// isShort is testing.Short, replaceable by this package's tests.
var isShort = testing.Short

func onCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

var docker struct {
	once sync.Once
	err  error
}

// dockerReachable asks the engine once per process; the answer does not change during a test run.
func dockerReachable() error {
	docker.once.Do(func() {
		// Some of testcontainers' host detection panics rather than failing when there is no engine.
		defer func() {
			if r := recover(); r != nil {
				docker.err = fmt.Errorf("docker: %v", r)
			}
		}()
		disableRyuk()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cli, err := testcontainers.NewDockerClientWithOpts(ctx)
		if err != nil {
			docker.err = err
			return
		}
		defer cli.Close()
		if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
			docker.err = err
		}
	})
	return docker.err
}

// disableRyuk turns testcontainers' garbage collector off unless the user chose otherwise: its image
// cannot be pulled here. testcontainers reads the variable once, on first use, so this runs before.
func disableRyuk() {
	if _, set := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !set {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
}

// checkImage turns a missing locally built image into an error that says how to build it, instead of
// a failed pull from a registry that has never heard of it. Other images are left to testcontainers,
// which pulls them when a registry is reachable.
func checkImage(ctx context.Context, image string) error {
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return fmt.Errorf("docker: %w", err)
	}
	defer cli.Close()
	_, err = cli.ImageInspect(ctx, image)
	switch {
	case err == nil:
		return nil
	case errdefs.IsNotFound(err) && strings.HasPrefix(image, localImagePrefix):
		return fmt.Errorf("the test image %s is missing: run `make test-images` (or scripts/test-images.sh) "+
			"to build it from Debian packages, or point %s/%s at official images", image, PostgresImageEnv, RedisImageEnv)
	case errdefs.IsNotFound(err):
		return nil
	default:
		return fmt.Errorf("inspect image %s: %w", image, err)
	}
}

// lazy starts a shared resource on first use and remembers the outcome, failures included: when the
// first start fails, every test waiting on it fails at once with the same cause instead of retrying.
type lazy[T any] struct {
	mu      sync.Mutex
	started bool
	val     T
	err     error
	stopFn  func(context.Context) error
}

func (l *lazy[T]) get(ctx context.Context, start func(context.Context) (T, func(context.Context) error, error)) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.started {
		ctx, cancel := context.WithTimeout(ctx, startTimeout)
		defer cancel()
		l.val, l.stopFn, l.err = start(ctx)
		l.started = true
	}
	return l.val, l.err
}

func (l *lazy[T]) stop(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	if l.stopFn != nil {
		err = l.stopFn(ctx)
	}
	var zero T
	l.started, l.val, l.err, l.stopFn = false, zero, nil, nil
	return err
}

// terminate removes a container (and its anonymous volumes) without a graceful shutdown: its data is
// disposable, and a graceful stop costs seconds at the end of every test binary.
func terminate(ctx context.Context, c testcontainers.Container) error {
	if c == nil {
		return nil
	}
	if err := c.Terminate(ctx, testcontainers.StopTimeout(0)); err != nil {
		return fmt.Errorf("terminate container: %w", err)
	}
	return nil
}
