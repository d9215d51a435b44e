package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/contract/roomstoretest"
)

func roomEnv(db *sqlstore.DB) roomstoretest.Env {
	p := proactiveEnv(db)
	return roomstoretest.Env{Store: sqlstore.RoomStore(db), Chat: sqlstore.NewChatStore(db), Companions: p.Companions, NewUser: p.NewUser, DeleteUser: p.DeleteUser,
		ConfirmAdult: func(t *testing.T, id domain.ID) {
			t.Helper()
			require.NoError(t, sqlstore.CommunityStore(db).ConfirmAdult(context.Background(), id, time.Now()))
		}}
}

func TestRoomStoreSQLite(t *testing.T) {
	t.Parallel()
	roomstoretest.Run(t, func(t *testing.T) roomstoretest.Env { return roomEnv(openSQLite(t)) })
}

func TestRoomStorePostgres(t *testing.T) {
	t.Parallel()
	roomstoretest.Run(t, func(t *testing.T) roomstoretest.Env { return roomEnv(openPostgres(t)) })
}
