package sqlstore_test

import (
	"testing"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/test/contract/roomstoretest"
)

func roomEnv(db *sqlstore.DB) roomstoretest.Env {
	p := proactiveEnv(db)
	return roomstoretest.Env{Store: sqlstore.RoomStore(db), Companions: p.Companions, NewUser: p.NewUser, DeleteUser: p.DeleteUser}
}

func TestRoomStoreSQLite(t *testing.T) {
	t.Parallel()
	roomstoretest.Run(t, func(t *testing.T) roomstoretest.Env { return roomEnv(openSQLite(t)) })
}

func TestRoomStorePostgres(t *testing.T) {
	t.Parallel()
	roomstoretest.Run(t, func(t *testing.T) roomstoretest.Env { return roomEnv(openPostgres(t)) })
}
