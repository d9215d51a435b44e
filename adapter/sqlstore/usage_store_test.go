package sqlstore_test

import (
	"testing"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/test/contract/usagestoretest"
)

func usageEnv(db *sqlstore.DB) usagestoretest.Env {
	p := proactiveEnv(db)
	return usagestoretest.Env{Store: sqlstore.UsageStore(db), NewUser: p.NewUser, DeleteUser: p.DeleteUser}
}

func TestUsageStoreSQLite(t *testing.T) {
	t.Parallel()
	usagestoretest.Run(t, func(t *testing.T) usagestoretest.Env { return usageEnv(openSQLite(t)) })
}

func TestUsageStorePostgres(t *testing.T) {
	t.Parallel()
	usagestoretest.Run(t, func(t *testing.T) usagestoretest.Env { return usageEnv(openPostgres(t)) })
}
