package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/picture"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// What the pictures table's references do, beyond the port's contract: a picture outlives its
// companion and its message, goes with its files' rows (the companion purge deletes those), and
// refers to nothing that does not exist.
func TestGalleryReferences(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(*testing.T) *sqlstore.DB{"SQLite": openSQLite, "Postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testGalleryReferences(t, open(t))
		})
	}
}

func testGalleryReferences(t *testing.T, db *sqlstore.DB) {
	ctx := context.Background()
	gallery, companions, chats := sqlstore.GalleryRepository(db), sqlstore.NewCompanionStore(db), sqlstore.NewChatStore(db)
	owner := companionEnv(db).NewOwner(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	newCompanion := func() domain.ID {
		p, err := companion.NewProfile(companion.ProfileSpec{Name: "Sitter", Age: 30})
		require.NoError(t, err)
		c := companion.New(domain.NewID(now), owner, p, now)
		require.NoError(t, companions.Companions().Create(ctx, c))
		return c.ID()
	}
	file := func(companionID domain.ID) media.Image {
		img := media.Image{Key: media.NewKey(media.PNG), ContentType: media.PNG, Bytes: 10, Width: 256, Height: 256}
		require.NoError(t, companions.Media().Create(ctx, media.Item{Key: img.Key, OwnerID: owner, CompanionID: companionID,
			Kind: media.KindPicture, ContentType: img.ContentType, Bytes: img.Bytes, Width: 256, Height: 256, CreatedAt: now}))
		return img
	}
	newPicture := func(companionID, messageID domain.ID) picture.Picture {
		return picture.Picture{ID: domain.NewID(now), OwnerID: owner, CompanionID: companionID, MessageID: messageID,
			Image: file(companionID), Thumb: file(companionID), Params: picture.Params{Prompt: "p", Width: 256, Height: 256},
			Backend: "offline", CreatedAt: now}
	}

	// Nothing it refers to may be missing; every reference is the hub's own, so that is internal.
	for what, edit := range map[string]func(*picture.Picture){
		"owner":     func(p *picture.Picture) { p.OwnerID = domain.NewID(now) },
		"companion": func(p *picture.Picture) { p.CompanionID = domain.NewID(now) },
		"message":   func(p *picture.Picture) { p.MessageID = domain.NewID(now) },
		"image":     func(p *picture.Picture) { p.Image.Key = media.NewKey(media.PNG) },
		"thumbnail": func(p *picture.Picture) { p.Thumb.Key = media.NewKey(media.PNG) },
	} {
		p := newPicture(domain.ID{}, domain.ID{})
		edit(&p)
		require.Equal(t, "internal", kindOf(gallery.Create(ctx, p)), "unknown %s", what)
	}
	dup := newPicture(domain.ID{}, domain.ID{})
	require.NoError(t, gallery.Create(ctx, dup))
	again := newPicture(domain.ID{}, domain.ID{})
	again.Image = dup.Image
	require.Equal(t, "conflict", kindOf(gallery.Create(ctx, again)), "a file is one picture's")

	count := func(c domain.ID) int {
		n, err := gallery.Count(ctx, picture.Filter{OwnerID: owner, CompanionID: c})
		require.NoError(t, err)
		return n
	}
	all := count(domain.ID{})

	// Hard-deleting the companion (its messages go with it) leaves the picture, of no one.
	c := newCompanion()
	m := chat.Message{ID: domain.NewID(now), CompanionID: c, Role: chat.RoleUser, Text: "hi", Selected: true, CreatedAt: now}
	require.NoError(t, chats.Messages().Create(ctx, m))
	kept := newPicture(c, m.ID)
	require.NoError(t, gallery.Create(ctx, kept))
	require.Equal(t, 1, count(c))
	require.NoError(t, companions.Companions().Delete(ctx, c))
	require.Zero(t, count(c), "the companion's gallery is empty: its picture is of no one now")
	require.Equal(t, all+1, count(domain.ID{}), "and still the owner's")
	got, err := gallery.Get(ctx, owner, kept.ID)
	require.NoError(t, err)
	require.True(t, got.CompanionID.IsZero())
	require.True(t, got.MessageID.IsZero())
	require.Equal(t, kept.Image, got.Image)

	// The companion purge deletes a companion's files by their rows: its pictures go with them.
	c = newCompanion()
	purged := newPicture(c, domain.ID{})
	require.NoError(t, gallery.Create(ctx, purged))
	require.NoError(t, companions.InTx(ctx, func(r companionuc.Repos) error {
		files, err := r.Media().ListByCompanion(ctx, c)
		require.NoError(t, err)
		require.Len(t, files, 2)
		for _, f := range files {
			if err := r.Media().Delete(ctx, f.Key); err != nil {
				return err
			}
		}
		return r.Companions().Delete(ctx, c)
	}))
	_, err = gallery.Get(ctx, owner, purged.ID)
	require.ErrorIs(t, err, picture.ErrNotFound)
	require.Zero(t, count(c))
	require.Equal(t, all+1, count(domain.ID{}), "the purged picture is counted no more")
}

// The gallery's pages are read from their indexes in order — no sort, wherever the cursor is
// (SPEC §4: a gallery page at 10 million messages in ≤ 5 ms). Sequential scans are turned off: on a
// table this small the planner would rightly prefer one.
func TestGalleryPagesUseTheirIndexesPostgres(t *testing.T) {
	t.Parallel()
	db := openPostgres(t)
	ctx := context.Background()
	conn, err := db.X.Connx(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, `SET enable_seqscan = off`)
	require.NoError(t, err)
	const page = `SELECT * FROM pictures WHERE %s ORDER BY created_at DESC, id DESC LIMIT 25`
	id := domain.NewID(time.Now()).String()
	for index, where := range map[string]string{
		"pictures_owner_idx":           `owner_id = '` + id + `' AND (created_at, id) < (now(), '` + id + `')`,
		"pictures_owner_companion_idx": `owner_id = '` + id + `' AND companion_id = '` + id + `' AND (created_at, id) < (now(), '` + id + `')`,
	} {
		var plan []string
		require.NoError(t, conn.SelectContext(ctx, &plan, `EXPLAIN `+strings.Replace(page, "%s", where, 1)))
		text := strings.Join(plan, "\n")
		require.Contains(t, text, "Index Scan using "+index, text)
		require.NotContains(t, text, "Sort", text)
	}
}
