package sqlstore_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/test/contract/companionstoretest"
)

var ownerSeq atomic.Int64

// companionEnv builds the suite's Env over db: companions need owners, made through the account store.
func companionEnv(db *sqlstore.DB) companionstoretest.Env {
	accounts := sqlstore.NewAccountStore(db)
	return companionstoretest.Env{
		Store: sqlstore.NewCompanionStore(db),
		NewOwner: func(t *testing.T) domain.ID {
			t.Helper()
			n := ownerSeq.Add(1)
			email, err := account.NewEmail(fmt.Sprintf("owner%d@example.com", n))
			require.NoError(t, err)
			name, err := account.NewUsername(fmt.Sprintf("owner_%d", n))
			require.NoError(t, err)
			dn, err := account.NewDisplayName("Owner")
			require.NoError(t, err)
			hash, err := account.NewPasswordHash("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
			require.NoError(t, err)
			now := time.Now()
			u, err := account.NewUser(domain.NewID(now), email, name, dn, hash, now)
			require.NoError(t, err)
			require.NoError(t, accounts.Users().Create(context.Background(), u))
			return u.ID()
		},
	}
}

func TestCompanionStoreSQLite(t *testing.T) {
	t.Parallel()
	companionstoretest.Run(t, func(t *testing.T) companionstoretest.Env { return companionEnv(openSQLite(t)) })
}

func TestCompanionStorePostgres(t *testing.T) {
	t.Parallel()
	companionstoretest.Run(t, func(t *testing.T) companionstoretest.Env { return companionEnv(openPostgres(t)) })
}
