package companion_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/awaittest"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// pausingBlobs holds the first Delete until released, so a test can act in the middle of a purge.
type pausingBlobs struct {
	mediauc.BlobStore
	once    sync.Once
	paused  chan struct{}
	release chan struct{}
}

func (b *pausingBlobs) Delete(ctx context.Context, key string) error {
	b.once.Do(func() {
		close(b.paused)
		<-b.release
	})
	return b.BlobStore.Delete(ctx, key)
}

// A companion restored while a purge is under way stays restored: the purge re-checks each one
// under lock before deleting it.
func TestRestoreDuringPurgeWins(t *testing.T) {
	t.Parallel()
	var blobs *pausingBlobs
	e := newEnv(t, func(d *companionuc.Deps) {
		blobs = &pausingBlobs{BlobStore: d.Blobs, paused: make(chan struct{}), release: make(chan struct{})}
		d.Blobs = blobs
	})
	owner := e.user(t)
	ctx := context.Background()
	first, second := e.create(t, owner), e.create(t, owner)
	_, err := e.app.SetHeader.Handle(ctx, companionuc.SetHeader{OwnerID: owner, ID: first.ID(), Image: pngImage(t, 8, 8), Meta: meta})
	require.NoError(t, err)
	for _, c := range []companionuc.Delete{{OwnerID: owner, ID: first.ID(), Meta: meta}, {OwnerID: owner, ID: second.ID(), Meta: meta}} {
		e.clock.Advance(time.Second) // first is trashed first, so purged first
		_, err := e.app.Delete.Handle(ctx, c)
		require.NoError(t, err)
	}
	e.clock.Advance(31 * 24 * time.Hour)

	type purged struct {
		res companionuc.PurgeResult
		err error
	}
	done := make(chan purged, 1)
	go func() {
		res, err := e.app.Purge.Handle(ctx, companionuc.Purge{})
		done <- purged{res, err}
	}()
	released := false
	release := func() {
		if !released {
			released = true
			close(blobs.release)
		}
	}
	t.Cleanup(release) // never leave the purge blocked if an assertion below fails
	// The first companion's rows are gone; its file is being deleted.
	awaittest.Recv(t, blobs.paused, "the purge's first file deletion")
	_, err = e.app.Restore.Handle(ctx, companionuc.Restore{OwnerID: owner, ID: second.ID(), Meta: meta})
	require.NoError(t, err)
	release()

	p := awaittest.Recv(t, done, "the purge's return")
	require.NoError(t, p.err)
	res := p.res
	require.Equal(t, 1, res.Companions, "only the one still in the trash")
	got, err := e.app.Get.Handle(ctx, companionuc.Get{OwnerID: owner, ID: second.ID()})
	require.NoError(t, err)
	require.False(t, got.Deleted())
}
