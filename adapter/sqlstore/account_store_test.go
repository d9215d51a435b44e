package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/accountstoretest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// openSQLite opens a migrated SQLite database private to t.
func openSQLite(t *testing.T) *sqlstore.DB { return sqlitetest.Open(t) }

func TestAccountStoreSQLite(t *testing.T) {
	t.Parallel()
	accountstoretest.Run(t, func(t *testing.T) accountuc.Store { return sqlstore.NewAccountStore(openSQLite(t)) })
}

func TestMain(m *testing.M) { containers.Main(m) }

// openPostgres opens a migrated PostgreSQL database private to t, in the shared test container.
func openPostgres(t *testing.T) *sqlstore.DB {
	t.Helper()
	containers.RequireDocker(t)
	dsn := containers.NewPostgresDB(t, "sqlstore", sqlstore.MigrateURL)
	db, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: secret.String(dsn), MaxOpenConns: 8})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestAccountStorePostgres(t *testing.T) {
	t.Parallel()
	accountstoretest.Run(t, func(t *testing.T) accountuc.Store { return sqlstore.NewAccountStore(openPostgres(t)) })
}

func domainID() domain.ID { return domain.NewID(time.Now()) }

func kindOf(err error) string { return domain.KindOf(err).String() }
