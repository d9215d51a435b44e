package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/contract/proactivestoretest"
)

func proactiveEnv(db *sqlstore.DB) proactivestoretest.Env {
	return proactivestoretest.Env{
		Store:      sqlstore.ProactiveStore(db),
		Companions: sqlstore.NewCompanionStore(db),
		NewUser:    companionEnv(db).NewOwner,
		DeleteUser: func(t *testing.T, id domain.ID) {
			t.Helper()
			_, err := db.X.ExecContext(context.Background(), db.X.Rebind(`DELETE FROM users WHERE id = ?`), id.String())
			require.NoError(t, err)
		},
	}
}

func TestProactiveStoreSQLite(t *testing.T) {
	t.Parallel()
	proactivestoretest.Run(t, func(t *testing.T) proactivestoretest.Env { return proactiveEnv(openSQLite(t)) })
}

func TestProactiveStorePostgres(t *testing.T) {
	t.Parallel()
	proactivestoretest.Run(t, func(t *testing.T) proactivestoretest.Env { return proactiveEnv(openPostgres(t)) })
}
