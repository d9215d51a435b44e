package userdata_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/sqlitetest"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/userdata"
)

// Erasing an account, through the hub's wiring: only with the password; then the rows are gone
// (the store's conformance suite proves which) and so are the files, and one event says so.
func TestEraseTakesTheFilesAndLeavesOneEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	files, err := blob.Open(ctx, blob.Config{URL: secret.String("mem://")})
	require.NoError(t, err)
	cfg := core.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.PasswordHash.MemoryKiB, cfg.PasswordHash.Iterations = 64, 1
	db := sqlitetest.Open(t)
	hub, err := core.New(ctx, cfg, zap.NewNop(), core.WithDatabase(db), core.WithBlobStore(files))
	require.NoError(t, err)
	t.Cleanup(hub.Close)
	u, err := hub.Accounts.Register.Handle(ctx, accountuc.Register{Email: "ada@example.com", Username: "ada", DisplayName: "Ada",
		Password: "plum-ferry-osmosis-42", ByAdmin: true})
	require.NoError(t, err)
	pic, err := hub.Pictures.Generate.Handle(ctx, pictureuc.Generate{OwnerID: u.ID(), Params: picture.Params{Prompt: "a lighthouse",
		Width: 512, Height: 512}})
	require.NoError(t, err)
	stored := func(k media.Key) bool {
		_, err := files.Stat(ctx, k.String())
		return err == nil
	}
	require.True(t, stored(pic.Image.Key))
	require.True(t, stored(pic.Thumb.Key))

	_, err = hub.UserData.Erase.Handle(ctx, userdata.Erase{UserID: u.ID(), Password: "not-the-password"})
	require.ErrorIs(t, err, account.ErrWrongPassword)
	require.True(t, stored(pic.Image.Key), "a wrong password erases nothing")

	out, err := hub.UserData.Erase.Handle(ctx, userdata.Erase{UserID: u.ID(), Password: "plum-ferry-osmosis-42"})
	require.NoError(t, err)
	require.Equal(t, userdata.Erased{Files: 2}, out, "the picture and its thumbnail")
	require.False(t, stored(pic.Image.Key))
	require.False(t, stored(pic.Thumb.Key))
	_, err = hub.Accounts.GetMe.Handle(ctx, accountuc.GetMe{UserID: u.ID()})
	require.True(t, domain.IsKind(err, domain.KindNotFound), "%v", err)

	var events []struct {
		Actor   *string `db:"actor_id"`
		Action  string  `db:"action"`
		IP      string  `db:"ip"`
		Details string  `db:"details"`
	}
	require.NoError(t, db.X.SelectContext(ctx, &events, `SELECT actor_id, action, ip, details FROM audit_events WHERE resource_id = ?`,
		u.ID().String()))
	require.Len(t, events, 1, "one event outlives the account")
	require.Equal(t, "account_delete", events[0].Action)
	require.Nil(t, events[0].Actor)
	require.Empty(t, events[0].IP)
}
