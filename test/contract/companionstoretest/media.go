package companionstoretest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
)

func testMedia(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := mustCreate(t, e, owner, base)
	a := media.Item{Key: media.NewKey(media.PNG), OwnerID: owner, CompanionID: c.ID(), Kind: media.KindHeader,
		ContentType: media.PNG, Bytes: 2048, Width: 800, Height: 800, CreatedAt: base}
	b := media.Item{Key: media.NewKey(media.MP3), OwnerID: owner, CompanionID: c.ID(), Kind: media.KindAudio,
		ContentType: media.MP3, Bytes: 99, CreatedAt: base.Add(time.Second)}
	loose := media.Item{Key: media.NewKey(media.WebP), OwnerID: owner, Kind: media.KindPicture,
		ContentType: media.WebP, Bytes: 5, Width: 1, Height: 1, CreatedAt: base}
	for _, it := range []media.Item{a, b, loose} {
		require.NoError(t, e.Store.Media().Create(ctx, it))
	}
	requireKind(t, e.Store.Media().Create(ctx, a), domain.KindConflict)
	requireKind(t, e.Store.Media().Create(ctx, media.Item{Key: media.NewKey(media.PNG), OwnerID: domain.NewID(base),
		Kind: media.KindPicture, ContentType: media.PNG, CreatedAt: base}), domain.KindNotFound)

	got, err := e.Store.Media().Get(ctx, a.Key)
	require.NoError(t, err)
	require.True(t, a.CreatedAt.Equal(got.CreatedAt))
	got.CreatedAt = a.CreatedAt
	require.Equal(t, a, got)

	list, err := e.Store.Media().ListByCompanion(ctx, c.ID())
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, a.Key, list[0].Key)
	require.Equal(t, b.Key, list[1].Key)

	unknown := media.NewKey(media.PNG)
	exist, err := e.Store.Media().Existing(ctx, []string{a.Key.String(), unknown.String(), loose.Key.String()})
	require.NoError(t, err)
	require.Equal(t, map[string]bool{a.Key.String(): true, loose.Key.String(): true}, exist)
	exist, err = e.Store.Media().Existing(ctx, nil)
	require.NoError(t, err)
	require.Empty(t, exist)

	require.NoError(t, e.Store.Media().Delete(ctx, a.Key))
	require.NoError(t, e.Store.Media().Delete(ctx, a.Key), "deleting twice is fine")
	_, err = e.Store.Media().Get(ctx, a.Key)
	requireKind(t, err, domain.KindNotFound)
}

func testPublicHeader(t *testing.T, e Env) {
	ctx := context.Background()
	owner := e.NewOwner(t)
	c := mustCreate(t, e, owner, base)
	key := media.NewKey(media.JPEG)
	require.NoError(t, e.Store.Media().Create(ctx, media.Item{Key: key, OwnerID: owner, CompanionID: c.ID(),
		Kind: media.KindHeader, ContentType: media.JPEG, Bytes: 1, Width: 1, Height: 1, CreatedAt: base}))
	c.SetHeader(media.Image{Key: key, ContentType: media.JPEG, Bytes: 1, Width: 1, Height: 1}, base)
	require.NoError(t, e.Store.Companions().Update(ctx, c))

	public, err := e.Store.Media().PublicHeader(ctx, key)
	require.NoError(t, err)
	require.False(t, public, "a private companion's header is private")

	pub := companion.Hydrate(c.ID(), owner, c.Profile().Spec(), c.Scene(), c.Relationship(), c.Settings(),
		c.Header(), companion.Public, c.CreatedAt(), base, time.Time{})
	require.NoError(t, e.Store.Companions().Update(ctx, pub))
	public, err = e.Store.Media().PublicHeader(ctx, key)
	require.NoError(t, err)
	require.True(t, public)

	pub.Delete(base.Add(time.Hour))
	require.NoError(t, e.Store.Companions().Update(ctx, pub))
	public, err = e.Store.Media().PublicHeader(ctx, key)
	require.NoError(t, err)
	require.False(t, public, "a trashed companion's header is not public")
}
