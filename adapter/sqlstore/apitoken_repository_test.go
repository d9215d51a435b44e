package sqlstore_test

import (
	"testing"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/test/contract/apitokenstoretest"
)

func tokenEnv(db *sqlstore.DB) apitokenstoretest.Env {
	p := proactiveEnv(db)
	return apitokenstoretest.Env{Store: sqlstore.TokenStore(db), NewUser: p.NewUser, DeleteUser: p.DeleteUser,
		DeleteAllOf: sqlstore.NewAccountStore(db).Sessions().DeleteAccessTokens}
}

func TestTokenStoreSQLite(t *testing.T) {
	t.Parallel()
	apitokenstoretest.Run(t, func(t *testing.T) apitokenstoretest.Env { return tokenEnv(openSQLite(t)) })
}

func TestTokenStorePostgres(t *testing.T) {
	t.Parallel()
	apitokenstoretest.Run(t, func(t *testing.T) apitokenstoretest.Env { return tokenEnv(openPostgres(t)) })
}
