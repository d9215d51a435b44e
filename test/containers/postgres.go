package containers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/lib/pq" // registers "postgres" for the readiness probe and the admin connection
	"github.com/testcontainers/testcontainers-go"
)

const (
	pgUser     = "companionhub"
	pgPassword = "companionhub"
	pgAdminDB  = "postgres"
	pgPort     = "5432/tcp"
	pgDataDir  = "/var/lib/postgresql/data"
)

// pgSettings trade durability for speed: a test server that loses its data on a crash loses nothing
// of value. max_connections leaves room for every parallel test's pool plus the template clones.
var pgSettings = []string{
	"fsync=off",
	"synchronous_commit=off",
	"full_page_writes=off",
	"max_connections=400",
	"max_wal_size=256MB",
	"checkpoint_timeout=1h",
}

var postgres lazy[*pgServer]

// pgServer is the running PostgreSQL container and what this process built in it.
type pgServer struct {
	base  url.URL // a DSN without the database path
	admin *sql.DB // connected to the maintenance database; runs CREATE/DROP DATABASE

	mu        sync.Mutex
	templates map[string]*templateDB
}

type templateDB struct {
	once sync.Once
	err  error
}

// StartPostgres starts the shared PostgreSQL container if it is not running yet and returns the DSN of
// its maintenance database. It is for programs (benchmarks); tests use NewPostgresDB. Call Stop (or
// end the tests through Main) to remove the container.
func StartPostgres(ctx context.Context) (string, error) {
	disableRyuk()
	s, err := postgres.get(ctx, startPostgres)
	if err != nil {
		return "", err
	}
	return s.dsn(pgAdminDB), nil
}

// CreateDatabase creates a fresh database as a copy of the template database named template, which
// migrate prepares the first time this process asks for that name, and returns its DSN and a function
// that drops it. Like StartPostgres it is for programs; tests use NewPostgresDB.
func CreateDatabase(ctx context.Context, template string, migrate func(ctx context.Context, dsn string) error) (dsn string, drop func(context.Context) error, err error) {
	return createDatabase(ctx, "db", template, migrate)
}

// NewPostgresDB returns the DSN of a database private to t, copied from the template database named
// template that migrate prepared once for this process, and drops the database when t ends. Cloning a
// migrated template takes milliseconds, so every test gets its own database and can run in parallel.
func NewPostgresDB(t testing.TB, template string, migrate func(ctx context.Context, dsn string) error) string {
	t.Helper()
	RequireDocker(t)
	requireMain(t)
	// Not t.Context(): a template prepared for this test serves every later test too.
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	dsn, drop, err := createDatabase(ctx, t.Name(), template, migrate)
	if err != nil {
		t.Fatalf("containers: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := drop(ctx); err != nil {
			t.Errorf("containers: %v", err)
		}
	})
	return dsn
}

var dbSeq atomic.Int64

func createDatabase(ctx context.Context, label, template string, migrate func(context.Context, string) error) (string, func(context.Context) error, error) {
	if !validTemplate.MatchString(template) {
		return "", nil, fmt.Errorf("template name %q: want 1-40 characters of a-z, 0-9 and _", template)
	}
	if migrate == nil {
		return "", nil, fmt.Errorf("template %s: migrate is nil", template)
	}
	disableRyuk()
	s, err := postgres.get(ctx, startPostgres)
	if err != nil {
		return "", nil, err
	}
	tmpl, err := s.template(ctx, template, migrate)
	if err != nil {
		return "", nil, err
	}
	name := truncate(fmt.Sprintf("t%d_%s", dbSeq.Add(1), sanitize(label)), 63)
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(name)+" TEMPLATE "+quoteIdent(tmpl)); err != nil {
		return "", nil, fmt.Errorf("create database %s from %s: %w", name, tmpl, err)
	}
	drop := func(ctx context.Context) error {
		// FORCE ends the connections a test forgot to close; they would otherwise block the drop.
		if _, err := s.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+quoteIdent(name)+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	return s.dsn(name), drop, nil
}

// template returns the name of the template database for name, preparing it on first use.
func (s *pgServer) template(ctx context.Context, name string, migrate func(context.Context, string) error) (string, error) {
	s.mu.Lock()
	tp, ok := s.templates[name]
	if !ok {
		tp = &templateDB{}
		s.templates[name] = tp
	}
	s.mu.Unlock()
	db := "tmpl_" + name
	tp.once.Do(func() { tp.err = s.prepareTemplate(ctx, db, migrate) })
	return db, tp.err
}

func (s *pgServer) prepareTemplate(ctx context.Context, db string, migrate func(context.Context, string) error) error {
	if _, err := s.admin.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(db)); err != nil {
		return fmt.Errorf("create template database %s: %w", db, err)
	}
	if err := migrate(ctx, s.dsn(db)); err != nil {
		return fmt.Errorf("migrate template database %s: %w", db, err)
	}
	// CREATE DATABASE … TEMPLATE refuses to copy a database anyone is connected to; forbidding
	// connections once it is migrated keeps a stray pool from breaking every later clone.
	if _, err := s.admin.ExecContext(ctx, "ALTER DATABASE "+quoteIdent(db)+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("seal template database %s: %w", db, err)
	}
	if _, err := s.admin.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", db); err != nil {
		return fmt.Errorf("disconnect template database %s: %w", db, err)
	}
	return nil
}

func (s *pgServer) dsn(db string) string {
	u := s.base
	u.Path = "/" + db
	return u.String()
}

func startPostgres(ctx context.Context) (*pgServer, func(context.Context) error, error) {
	image := PostgresImage()
	if err := checkImage(ctx, image); err != nil {
		return nil, nil, err
	}
	cmd := []string{"postgres"}
	for _, kv := range pgSettings {
		cmd = append(cmd, "-c", kv)
	}
	base := url.URL{Scheme: "postgres", User: url.UserPassword(pgUser, pgPassword),
		Path: "/" + pgAdminDB, RawQuery: "sslmode=disable&connect_timeout=5"}
	// Ready means a real login and query succeed: the official image runs a temporary server while it
	// initialises and then restarts it, so an early answer can be the wrong server.
	ready := &probe{name: "postgres", port: pgPort, timeout: startTimeout, check: func(ctx context.Context, addr string) error {
		u := base
		u.Host = addr
		db, err := sql.Open("postgres", u.String())
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, "SELECT 1")
		return err
	}}
	c, err := testcontainers.Run(ctx, image,
		testcontainers.WithExposedPorts(pgPort),
		testcontainers.WithEnv(map[string]string{"POSTGRES_USER": pgUser, "POSTGRES_PASSWORD": pgPassword, "POSTGRES_DB": pgAdminDB}),
		testcontainers.WithCmd(cmd...),
		// The image's storage driver may be FUSE-based and slow; the data is disposable anyway.
		testcontainers.WithTmpfs(map[string]string{pgDataDir: "rw"}),
		testcontainers.WithLabels(label),
		testcontainers.WithWaitStrategy(ready),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("start postgres (%s): %w", image, errors.Join(err, terminate(context.WithoutCancel(ctx), c)))
	}
	base.Host, base.Path = ready.addr, ""
	s := &pgServer{base: base, templates: map[string]*templateDB{}}
	s.admin, err = sql.Open("postgres", s.dsn(pgAdminDB))
	if err == nil {
		s.admin.SetMaxOpenConns(8)
		err = s.admin.PingContext(ctx)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("postgres admin connection: %w", errors.Join(err, terminate(context.WithoutCancel(ctx), c)))
	}
	stop := func(ctx context.Context) error {
		return errors.Join(s.admin.Close(), terminate(ctx, c))
	}
	return s, stop, nil
}

var validTemplate = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// sanitize turns a test name into something readable inside a database name.
func sanitize(s string) string {
	return strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(s), "_"), "_")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
