package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/companionhub/companionhub/secret"
)

//go:embed migrations
var migrations embed.FS

// MigrationState is one migration and whether it has been applied.
type MigrationState struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

func (db *DB) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.Dialect))
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// Replicas starting together must not migrate concurrently.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db.X.DB, sub, opts...)
}

// Migrate applies every pending migration and returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	p, err := db.provider()
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
}

// MigrationStatus lists every known migration, oldest first.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	p, err := db.provider()
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationState, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationState{Version: s.Source.Version, Name: baseName(s.Source.Path),
			Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt})
	}
	return out, nil
}

// Pending reports whether migrations remain to be applied.
func (db *DB) Pending(ctx context.Context) (bool, error) {
	p, err := db.provider()
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}

// MigrateURL opens the database at url, applies every pending migration and closes it: the whole
// job of a migration step in a deployment script, a test's template database or a benchmark.
func MigrateURL(ctx context.Context, url string) error {
	db, err := Open(ctx, Config{URL: secret.String(url), MaxOpenConns: 2})
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Migrate(ctx)
	return err
}

// MigrateAtStart applies pending migrations as a hub starting up is told to: "always", "auto"
// (SQLite only — the embedded profile has no separate migration step, while PostgreSQL is
// migrated by `companionhub migrate up` before replicas start) or "never". It returns how many it
// applied, and whether migrations are left pending (which the caller should warn about; a
// failure to tell counts as none pending: start-up does not depend on it).
func (db *DB) MigrateAtStart(ctx context.Context, policy string) (applied int, pending bool, err error) {
	if policy == "always" || (policy == "auto" && db.Dialect == SQLite) {
		applied, err = db.Migrate(ctx)
		return applied, false, err
	}
	pending, err = db.Pending(ctx)
	return 0, err == nil && pending, nil
}
