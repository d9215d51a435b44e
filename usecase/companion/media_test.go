package companion_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/clocktest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

func TestHeaderImageReplacesTheOldOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	c := e.create(t, owner)
	ctx := context.Background()
	first, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 1600, 1200), Meta: meta})
	require.NoError(t, err)
	h := first.Header()
	require.Equal(t, 800, h.Width, "scaled to fit 800×800")
	require.Equal(t, 600, h.Height)
	require.Equal(t, 1, e.blobCount(t))

	second, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 100, 100), Meta: meta})
	require.NoError(t, err)
	require.NotEqual(t, h.Key, second.Header().Key)
	require.Equal(t, 1, e.blobCount(t), "the replaced file is deleted")
	_, err = e.store.Media().Get(ctx, h.Key)
	requireKind(t, err, domain.KindNotFound)

	opened, err := e.media.Open.Handle(ctx, mediauc.Open{Viewer: owner, Key: second.Header().Key.String()})
	require.NoError(t, err)
	data, err := io.ReadAll(opened.Body)
	require.NoError(t, opened.Body.Close())
	require.NoError(t, err)
	require.Len(t, data, int(second.Header().Bytes))
	require.False(t, opened.Public)
}

// failingDeletes is a blob store whose deletes fail, as a store that is down would.
type failingDeletes struct{ mediauc.BlobStore }

func (failingDeletes) Delete(context.Context, string) error {
	return domain.Errorf(domain.KindUnavailable, "blob store down")
}

func TestHeaderImageCanBeRemoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, stranger := e.user(t), e.user(t)
	c := e.create(t, owner)
	ctx := context.Background()
	c, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 40, 30), Meta: meta})
	require.NoError(t, err)
	key := c.Header().Key

	_, err = e.app.RemoveHeader.Handle(ctx, companionuc.RemoveHeader{OwnerID: stranger, ID: c.ID(), Meta: meta})
	require.ErrorIs(t, err, companion.ErrNotFound)
	got, err := e.app.RemoveHeader.Handle(ctx, companionuc.RemoveHeader{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err)
	require.True(t, got.Header().IsZero())
	got, err = e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.True(t, got.Header().IsZero(), "the removal is stored")
	_, err = e.store.Media().Get(ctx, key)
	requireKind(t, err, domain.KindNotFound)
	require.Zero(t, e.blobCount(t), "the file is deleted")
	_, err = e.media.Open.Handle(ctx, mediauc.Open{Viewer: owner, Key: key.String()})
	require.Error(t, err, "and no longer served")

	again, err := e.app.RemoveHeader.Handle(ctx, companionuc.RemoveHeader{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err, "removing a header that is not there changes nothing")
	require.Equal(t, got.UpdatedAt(), again.UpdatedAt())
}

func TestARemovedHeaderTheStoreKeptIsAnOrphan(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(d *companionuc.Deps) { d.Blobs = failingDeletes{d.Blobs} })
	owner := e.user(t)
	c := e.create(t, owner)
	ctx := context.Background()
	c, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 40, 30), Meta: meta})
	require.NoError(t, err)
	got, err := e.app.RemoveHeader.Handle(ctx, companionuc.RemoveHeader{OwnerID: owner, ID: c.ID(), Meta: meta})
	require.NoError(t, err, "the file is deleted at best effort")
	require.True(t, got.Header().IsZero())
	require.Equal(t, 1, e.blobCount(t))

	// Seen from two hours later, the file is past the grace: cleanup-orphans takes it.
	later, err := mediauc.NewApp(mediauc.Deps{Repo: e.mediaRepo, Blobs: e.blobs, Clock: clocktest.New(time.Now().Add(2 * time.Hour))})
	require.NoError(t, err)
	res, err := later.CleanupOrphans.Handle(ctx, mediauc.CleanupOrphans{Grace: time.Hour})
	require.NoError(t, err)
	require.Equal(t, 1, res.Orphans)
	require.Zero(t, e.blobCount(t))
}

func TestBadImagesLeaveNothingBehind(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	c := e.create(t, owner)
	for _, bad := range [][]byte{[]byte("<html><script>alert(1)</script></html>"), pngImage(t, 10, 10)[:40], nil} {
		_, err := e.app.SetHeader.Handle(context.Background(), companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: bad, Meta: meta})
		requireKind(t, err, domain.KindInvalid)
	}
	require.Zero(t, e.blobCount(t))
	got, err := e.app.Get.Handle(context.Background(), companionuc.Get{OwnerID: owner, ID: c.ID()})
	require.NoError(t, err)
	require.True(t, got.Header().IsZero())
}

func TestMediaIsServedToItsOwnerOrPublicly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner, stranger := e.user(t), e.user(t)
	c := e.create(t, owner)
	ctx := context.Background()
	c, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 20, 20), Meta: meta})
	require.NoError(t, err)
	key := c.Header().Key.String()
	for _, viewer := range []domain.ID{stranger, {}} {
		_, err := e.media.Open.Handle(ctx, mediauc.Open{Viewer: viewer, Key: key})
		require.ErrorIs(t, err, media.ErrBadKey)
	}
	_, err = e.media.Open.Handle(ctx, mediauc.Open{Viewer: owner, Key: "img/../../etc/passwd"})
	require.ErrorIs(t, err, media.ErrBadKey)

	// Published: the header is anyone's to see.
	pub := companion.Hydrate(c.ID(), owner, c.Profile().Spec(), c.Scene(), c.Relationship(), c.Settings(),
		c.Header(), companion.Public, c.CreatedAt(), c.UpdatedAt(), time.Time{})
	require.NoError(t, e.store.Companions().Update(ctx, pub))
	opened, err := e.media.Open.Handle(ctx, mediauc.Open{Key: key})
	require.NoError(t, err)
	require.True(t, opened.Public)
	require.NoError(t, opened.Body.Close())
}

func TestCleanupOrphans(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.user(t)
	c := e.create(t, owner)
	ctx := context.Background()
	c, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: c.ID(), Image: pngImage(t, 20, 20), Meta: meta})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)), nil))
	for range 3 {
		require.NoError(t, e.blobs.Put(ctx, media.NewKey(media.JPEG).String(), "image/jpeg", bytes.NewReader(buf.Bytes())))
	}
	_, err = e.media.CleanupOrphans.Handle(ctx, mediauc.CleanupOrphans{Grace: time.Minute})
	requireKind(t, err, domain.KindInvalid) // uploads in flight must be safe

	// Seen from two hours later, every file is past the grace.
	later, err := mediauc.NewApp(mediauc.Deps{Repo: e.mediaRepo, Blobs: e.blobs, Clock: clocktest.New(time.Now().Add(2 * time.Hour))})
	require.NoError(t, err)
	res, err := later.CleanupOrphans.Handle(ctx, mediauc.CleanupOrphans{DryRun: true, Grace: time.Hour})
	require.NoError(t, err)
	require.Equal(t, 4, res.Scanned)
	require.Equal(t, 3, res.Orphans)
	require.Equal(t, int64(3*buf.Len()), res.Bytes)
	require.Equal(t, 4, e.blobCount(t))

	res, err = e.media.CleanupOrphans.Handle(ctx, mediauc.CleanupOrphans{Grace: time.Hour})
	require.NoError(t, err)
	require.Zero(t, res.Orphans, "young files are left alone: uploads in flight")

	var progress []int
	res, err = later.CleanupOrphans.Handle(ctx, mediauc.CleanupOrphans{Grace: time.Hour,
		Progress: func(done, total int) { progress = append(progress, done, total) }})
	require.NoError(t, err)
	require.Equal(t, 3, res.Orphans)
	require.Equal(t, []int{4, 4}, progress)
	require.Equal(t, 1, e.blobCount(t))
	opened, err := e.media.Open.Handle(ctx, mediauc.Open{Viewer: owner, Key: c.Header().Key.String()})
	require.NoError(t, err, "the referenced file survives")
	require.NoError(t, opened.Body.Close())
}
