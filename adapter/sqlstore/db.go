// Package sqlstore is the SQL persistence adapter: every repository written once over sqlx, for two
// dialects — SQLite (the embedded default, pure-Go driver) and PostgreSQL (lib/pq). What truly
// differs between them sits behind the small dialect type; migrations are per dialect and embedded.
//
// PostgreSQL-only capabilities (the rate limiter, later LISTEN/NOTIFY) live in adapter/postgres and
// take the *sqlx.DB this package opens.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
	_ "github.com/lib/pq"  // registers "postgres"
	_ "modernc.org/sqlite" // registers "sqlite"
)

func init() {
	// sqlx does not know modernc's driver name; queries are written with ? and rebound per dialect.
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
}

// Config selects and tunes the database. The env tags bind it flattened into the root configuration.
type Config struct {
	// URL is postgres://… (or postgresql://…) for PostgreSQL, or sqlite:PATH for an SQLite file.
	URL secret.String `env:"DATABASE_URL" help:"postgres://user:pass@host/db or sqlite:PATH (default: SQLite file in the data dir)"`
	// MaxOpenConns caps the PostgreSQL connection pool (SQLite uses its own small bound).
	MaxOpenConns int `env:"DATABASE_MAX_CONNS" help:"maximum open PostgreSQL connections"`
	// ConnMaxLifetime recycles PostgreSQL connections, so a failover or a pooler restart is absorbed.
	ConnMaxLifetime time.Duration `env:"DATABASE_CONN_MAX_LIFETIME" help:"maximum lifetime of a PostgreSQL connection"`
}

// DefaultConfig uses an SQLite file in dataDir.
func DefaultConfig(dataDir string) Config {
	return Config{URL: secret.String(SQLiteURL(dataDir)), MaxOpenConns: 20, ConnMaxLifetime: 30 * time.Minute}
}

// SQLiteURL is the URL of the default SQLite file in dataDir.
func SQLiteURL(dataDir string) string { return "sqlite:" + filepath.Join(dataDir, "companionhub.db") }

// Validate checks the URL's shape and the pool bounds without connecting.
func (c Config) Validate() error {
	var errs []error
	if _, err := checkURL(c.URL.Reveal()); err != nil {
		errs = append(errs, envflag.Fieldf("URL", "%v", err))
	}
	if c.MaxOpenConns < 1 {
		errs = append(errs, envflag.Fieldf("MaxOpenConns", "must be at least 1, got %d", c.MaxOpenConns))
	}
	if c.ConnMaxLifetime < 0 {
		errs = append(errs, envflag.Fieldf("ConnMaxLifetime", "must not be negative"))
	}
	return errors.Join(errs...)
}

// Dialect is the dialect the URL selects, or "" if the URL is not valid.
func (c Config) Dialect() Dialect {
	d, _ := checkURL(c.URL.Reveal())
	return d
}

// Dialect names a supported SQL dialect.
type Dialect string

const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DB is an open database with its dialect.
type DB struct {
	X       *sqlx.DB
	Dialect Dialect

	url   secret.String // what Open was given
	stmts *stmtCache    // SQLite only; see stmtCache
	// writers admits one SQLite transaction of this process at a time (nil for PostgreSQL).
	// SQLite has one writer anyway; queueing them here, in arrival order, instead of in SQLite's
	// busy handler — which polls, so under load a writer can lose every poll for the whole busy
	// timeout while others come and go — keeps the wait fair, and waiting writers hold no pooled
	// connection that the readers need. Other processes on the same file (an admin command beside
	// `serve`) still queue through the busy timeout.
	writers chan struct{}

	vectorsOnce sync.Once
	vectors     *memoryVectors // see memoryVectors
}

// URL is the database URL the DB was opened with: what a component that needs a connection of its
// own to the same database (a PostgreSQL LISTEN) dials.
func (db *DB) URL() secret.String { return db.url }

// Open connects (lazily for PostgreSQL) and configures the pool. For SQLite it creates the file's
// directory, and turns on WAL, foreign keys, a busy timeout and immediate write transactions, so
// concurrent writers queue instead of failing; and it keeps the statements the repositories run
// prepared (see stmtCache).
func Open(ctx context.Context, c Config, opts ...OpenOption) (*DB, error) {
	d, dsn, err := parseURL(c.URL.Reveal())
	if err != nil {
		return nil, err
	}
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	var x *sqlx.DB
	switch d {
	case Postgres:
		x, err = openDB("postgres", dsn, d, o)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		x.SetMaxOpenConns(c.MaxOpenConns)
		x.SetMaxIdleConns(min(c.MaxOpenConns, 10))
		x.SetConnMaxLifetime(c.ConnMaxLifetime)
	case SQLite:
		x, err = openDB("sqlite", dsn, d, o)
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		// One writer at a time is SQLite's nature; a small pool serves concurrent readers under WAL.
		x.SetMaxOpenConns(8)
		x.SetMaxIdleConns(8)
		x.SetConnMaxLifetime(0)
		if err := x.PingContext(ctx); err != nil {
			_ = x.Close()
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
	}
	db := &DB{X: x, Dialect: d, url: c.URL}
	if d == SQLite {
		db.stmts = newStmtCache(x, maxCachedStmts)
		db.writers = make(chan struct{}, 1)
	}
	return db, nil
}

// Close closes the cached statements, then the pool.
func (db *DB) Close() error {
	db.memoryVectors().close() // a background read of vectors ends before the pool it reads through
	return errors.Join(db.stmts.close(), db.X.Close())
}

// conn is a query target over q — the pool, or one of its transactions — for the repositories.
func (db *DB) conn(q q) conn {
	c := conn{q: q, d: db.Dialect, stmts: db.stmts}
	if x, ok := q.(*sqlx.DB); ok && x == db.X {
		c.writers = db.writers // nil on PostgreSQL
	}
	return c
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.X.PingContext(ctx) }

// checkURL validates a database URL without touching the file system.
func checkURL(raw string) (Dialect, error) {
	switch {
	case raw == "":
		return "", errors.New("is empty; want postgres://… or sqlite:PATH")
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if u, err := url.Parse(raw); err != nil || u.Host == "" {
			return "", errors.New("is not a valid postgres URL")
		}
		return Postgres, nil
	case strings.HasPrefix(raw, "sqlite:"):
		path, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//"), "?")
		if path == "" {
			return "", errors.New("has no file path; want sqlite:PATH")
		}
		return SQLite, nil
	default:
		return "", errors.New("has an unknown scheme; want postgres://… or sqlite:PATH")
	}
}

// parseURL turns a database URL into a driver DSN, creating an SQLite file's directory.
func parseURL(raw string) (Dialect, string, error) {
	d, err := checkURL(raw)
	if err != nil {
		return "", "", fmt.Errorf("database URL %w", err)
	}
	if d == Postgres {
		u, _ := url.Parse(raw)
		q := u.Query()
		if q.Get("connect_timeout") == "" {
			// database/sql may dial outside the request's context; bound it.
			q.Set("connect_timeout", "5")
		}
		if q.Get("binary_parameters") == "" {
			// A query with parameters then takes one round trip instead of two (lib/pq skips the
			// separate Describe of an unnamed statement), which is most of a short query's time
			// against a database across a network. It sends []byte arguments in binary: jsonb
			// columns must be given strings (as every repository here does), never []byte.
			q.Set("binary_parameters", "yes")
		}
		u.RawQuery = q.Encode()
		return Postgres, u.String(), nil
	}
	path, params, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//"), "?")
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return "", "", fmt.Errorf("cannot create the directory of %s: %w", path, err)
		}
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "journal_mode(WAL)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	if params != "" {
		dsn += "&" + params
	}
	return SQLite, dsn, nil
}
