package sqlstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
)

// Every migration's Down undoes its Up: migrating down to nothing and up again works, on both
// dialects.
func TestMigrationsGoDownAndUpAgain(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(*testing.T) string{
		"SQLite": func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "hub.db") },
		"Postgres": func(t *testing.T) string {
			return containers.NewPostgresDB(t, "empty", func(context.Context, string) error { return nil })
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, err := Open(ctx, Config{URL: secret.String(url(t)), MaxOpenConns: 2})
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			applied, err := db.Migrate(ctx)
			require.NoError(t, err)
			p, err := db.provider()
			require.NoError(t, err)
			down, err := p.DownTo(ctx, 0)
			require.NoError(t, err)
			require.Len(t, down, applied, "every migration went down")
			again, err := db.Migrate(ctx)
			require.NoError(t, err)
			require.Equal(t, applied, again)
		})
	}
}
