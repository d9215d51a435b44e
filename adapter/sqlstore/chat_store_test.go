package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/contract/chatstoretest"
)

func chatEnv(db *sqlstore.DB) chatstoretest.Env {
	owners := companionEnv(db)
	companions := sqlstore.NewCompanionStore(db)
	return chatstoretest.Env{
		Store: sqlstore.NewChatStore(db),
		NewCompanion: func(t *testing.T) (domain.ID, domain.ID) {
			t.Helper()
			owner := owners.NewOwner(t)
			p, err := companion.NewProfile(companion.ProfileSpec{Name: "Talker", Age: 30})
			require.NoError(t, err)
			now := time.Now()
			c := companion.New(domain.NewID(now), owner, p, now)
			require.NoError(t, companions.Companions().Create(context.Background(), c))
			return owner, c.ID()
		},
	}
}

func TestChatStoreSQLite(t *testing.T) {
	t.Parallel()
	chatstoretest.Run(t, func(t *testing.T) chatstoretest.Env { return chatEnv(openSQLite(t)) })
}

func TestChatStorePostgres(t *testing.T) {
	t.Parallel()
	chatstoretest.Run(t, func(t *testing.T) chatstoretest.Env { return chatEnv(openPostgres(t)) })
}
