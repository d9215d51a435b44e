package sqlstore_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/accountstoretest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// openSQLite opens a migrated SQLite database private to t.
func openSQLite(t *testing.T) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String("sqlite:" + filepath.Join(t.TempDir(), "hub.db")), MaxOpenConns: 4})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.Migrate(ctx)
	require.NoError(t, err)
	return db
}

func TestAccountStoreSQLite(t *testing.T) {
	t.Parallel()
	accountstoretest.Run(t, func(t *testing.T) accountuc.Store { return sqlstore.NewAccountStore(openSQLite(t)) })
}
