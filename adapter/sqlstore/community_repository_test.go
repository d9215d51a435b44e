package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/test/contract/communitystoretest"
)

func communityEnv(db *sqlstore.DB) communitystoretest.Env {
	accounts := sqlstore.NewAccountStore(db)
	return communitystoretest.Env{
		Store:      sqlstore.CommunityStore(db),
		Companions: sqlstore.NewCompanionStore(db),
		NewUser: func(t *testing.T, displayName string) domain.ID {
			t.Helper()
			n := ownerSeq.Add(1)
			email, err := account.NewEmail(fmt.Sprintf("member%d@example.com", n))
			require.NoError(t, err)
			name, err := account.NewUsername(fmt.Sprintf("member_%d", n))
			require.NoError(t, err)
			dn, err := account.NewDisplayName(displayName)
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

func TestCommunityStoreSQLite(t *testing.T) {
	t.Parallel()
	communitystoretest.Run(t, func(t *testing.T) communitystoretest.Env { return communityEnv(openSQLite(t)) })
}

func TestCommunityStorePostgres(t *testing.T) {
	t.Parallel()
	communitystoretest.Run(t, func(t *testing.T) communitystoretest.Env { return communityEnv(openPostgres(t)) })
}
