package sqlstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/contract/gallerytest"
)

func galleryEnv(db *sqlstore.DB) gallerytest.Env {
	owners := companionEnv(db)
	return gallerytest.Env{
		Gallery:    sqlstore.GalleryRepository(db),
		Companions: sqlstore.NewCompanionStore(db),
		Chat:       sqlstore.NewChatStore(db),
		NewOwner:   owners.NewOwner,
		DeleteOwner: func(t *testing.T, owner domain.ID) {
			t.Helper()
			_, err := db.X.ExecContext(context.Background(), db.X.Rebind(`DELETE FROM users WHERE id = ?`), owner.String())
			require.NoError(t, err)
		},
	}
}

func TestGallerySQLite(t *testing.T) {
	t.Parallel()
	gallerytest.Run(t, func(t *testing.T) gallerytest.Env { return galleryEnv(openSQLite(t)) })
}

func TestGalleryPostgres(t *testing.T) {
	t.Parallel()
	gallerytest.Run(t, func(t *testing.T) gallerytest.Env { return galleryEnv(openPostgres(t)) })
}
