package sqlstore_test

import (
	"testing"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/test/contract/summarystoretest"
)

func summaryEnv(db *sqlstore.DB) summarystoretest.Env {
	return summarystoretest.Env{Store: sqlstore.SummaryStore(db), Chat: sqlstore.NewChatStore(db),
		NewCompanion: chatEnv(db).NewCompanion}
}

func TestSummaryStoreSQLite(t *testing.T) {
	t.Parallel()
	summarystoretest.Run(t, func(t *testing.T) summarystoretest.Env { return summaryEnv(openSQLite(t)) })
}

func TestSummaryStorePostgres(t *testing.T) {
	t.Parallel()
	summarystoretest.Run(t, func(t *testing.T) summarystoretest.Env { return summaryEnv(openPostgres(t)) })
}
