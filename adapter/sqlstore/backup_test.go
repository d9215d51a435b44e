package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/secret"
)

// A backup is an SQLite database holding what the original held; PostgreSQL is refused.
func TestBackupToCopiesSQLiteAndRefusesPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openSQLite(t)
	owner := companionEnv(db).NewOwner(t)
	path := filepath.Join(t.TempDir(), "copy.db")
	require.NoError(t, db.BackupTo(ctx, path))
	cp, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String("sqlite:" + path)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cp.Close() })
	var n int
	require.NoError(t, cp.X.GetContext(ctx, &n, `SELECT COUNT(*) FROM users WHERE id = ?`, owner.String()))
	require.Equal(t, 1, n, "the copy holds the rows")
	require.Error(t, db.BackupTo(ctx, path), "never overwrites")

	require.ErrorIs(t, openPostgres(t).BackupTo(ctx, filepath.Join(t.TempDir(), "pg.db")), sqlstore.ErrBackupPostgres)
}
