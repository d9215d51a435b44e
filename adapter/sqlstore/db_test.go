package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for url, ok := range map[string]bool{
		"sqlite:data/hub.db": true, "sqlite:///abs/hub.db": true, "postgres://u:p@localhost/db": true,
		"postgresql://localhost/db?sslmode=disable": true, "": false, "sqlite:": false, "mysql://x": false,
		"postgres://": false,
	} {
		err := sqlstore.Config{URL: secret.String(url), MaxOpenConns: 1}.Validate()
		require.Equal(t, ok, err == nil, "%q: %v", url, err)
		if err != nil {
			require.NotContains(t, err.Error(), "u:p", "URLs may hold passwords; errors never quote them")
		}
	}
	require.Error(t, sqlstore.Config{URL: "sqlite:x.db"}.Validate(), "pool of zero")
}

func TestMigrationsApplyOnceAndReportStatus(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(*testing.T) *sqlstore.DB{
		"SQLite": func(t *testing.T) *sqlstore.DB {
			db, err := sqlstore.Open(context.Background(), sqlstore.Config{
				URL: secret.String("sqlite:" + filepath.Join(t.TempDir(), "nested", "dir", "hub.db")), MaxOpenConns: 1})
			require.NoError(t, err, "the file's directory is created")
			t.Cleanup(func() { _ = db.Close() })
			return db
		},
		"Postgres": func(t *testing.T) *sqlstore.DB {
			containers.RequireDocker(t)
			db, err := sqlstore.Open(context.Background(), sqlstore.Config{
				URL: secret.String(containers.NewPostgresDB(t, "empty", func(context.Context, string) error { return nil })), MaxOpenConns: 2})
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			return db
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := open(t)
			pending, err := db.Pending(ctx)
			require.NoError(t, err)
			require.True(t, pending)
			st, err := db.MigrationStatus(ctx)
			require.NoError(t, err)
			require.NotEmpty(t, st)
			require.False(t, st[0].Applied)
			require.Equal(t, "00001_accounts.sql", st[0].Name)

			n, err := db.Migrate(ctx)
			require.NoError(t, err)
			require.Equal(t, len(st), n)
			n, err = db.Migrate(ctx)
			require.NoError(t, err)
			require.Zero(t, n, "a second run applies nothing")
			st, err = db.MigrationStatus(ctx)
			require.NoError(t, err)
			for _, s := range st {
				require.True(t, s.Applied)
				require.False(t, s.AppliedAt.IsZero())
			}
			require.NoError(t, db.Ping(ctx))
		})
	}
}

// Unreachable databases are a dependency failure (503), not a bug (500).
func TestUnreachablePostgresIsUnavailable(t *testing.T) {
	t.Parallel()
	db, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: "postgres://u:p@127.0.0.1:1/db?connect_timeout=1", MaxOpenConns: 1})
	require.NoError(t, err, "PostgreSQL connects lazily")
	t.Cleanup(func() { _ = db.Close() })
	_, err = sqlstore.NewAccountStore(db).Users().Get(context.Background(), domainID())
	require.Equal(t, "unavailable", kindOf(err))
}
