package media_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

var storedAt = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

var pictureFile = mediauc.File{Data: []byte("png bytes"), ContentType: media.PNG, Kind: media.KindPicture, Width: 30, Height: 20}

func TestStorePutsTheBlobBeforeRecordingIt(t *testing.T) {
	t.Parallel()
	blobs := mediafake.NewBlobs()
	var recorded []media.Item

	it, err := mediauc.Store(context.Background(), blobs, pictureFile, storedAt, func(it media.Item) error {
		// The invariant every feature relies on: a row never names a file that is not there.
		require.True(t, blobs.Has(it.Key.String()), "recorded before the blob was stored")
		recorded = append(recorded, it)
		return nil
	})
	require.NoError(t, err)

	require.Len(t, recorded, 1)
	require.Equal(t, recorded[0], it)
	require.Equal(t, media.Item{Key: it.Key, Kind: media.KindPicture, ContentType: media.PNG, Bytes: int64(len(pictureFile.Data)),
		Width: 30, Height: 20, CreatedAt: storedAt}, it, "owner and companion are record's to fill in")
	_, err = media.ParseKey(it.Key.String())
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(it.Key.String(), "img/") && strings.HasSuffix(it.Key.String(), ".png"), it.Key.String())
	data, contentType, _ := blobs.Blob(it.Key.String())
	require.Equal(t, pictureFile.Data, data)
	require.Equal(t, "image/png", contentType)
}

func TestStoreDrawsAFreshKeyForEveryFile(t *testing.T) {
	t.Parallel()
	blobs := mediafake.NewBlobs()
	audio := mediauc.File{Data: []byte("ID3 mp3"), ContentType: media.MP3, Kind: media.KindAudio}
	ok := func(media.Item) error { return nil }

	a, err := mediauc.Store(context.Background(), blobs, audio, storedAt, ok)
	require.NoError(t, err)
	b, err := mediauc.Store(context.Background(), blobs, audio, storedAt, ok)
	require.NoError(t, err)

	require.NotEqual(t, a.Key, b.Key, "the same bytes twice are two files: never one overwriting the other")
	require.True(t, strings.HasPrefix(a.Key.String(), "aud/") && strings.HasSuffix(a.Key.String(), ".mp3"), a.Key.String())
	require.Equal(t, 2, blobs.Count())
}

func TestStoreWithAFailedPutRecordsNothing(t *testing.T) {
	t.Parallel()
	blobs := mediafake.NewBlobs()
	cause := domain.Errorf(domain.KindUnavailable, "store unreachable")
	blobs.PutErr = cause
	called := false

	it, err := mediauc.Store(context.Background(), blobs, pictureFile, storedAt, func(media.Item) error { called = true; return nil })

	require.Same(t, cause, err)
	require.Zero(t, it)
	require.False(t, called, "a row must not name a file that was never stored")
}

func TestStoreWithAFailedRecord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		cause    error
		keepBlob bool
	}{
		// Refused: nothing was written, so the blob would only be an orphan.
		{"invalid", domain.Errorf(domain.KindInvalid, "bad row"), false},
		{"conflict", domain.Errorf(domain.KindConflict, "key exists"), false},
		{"not found", domain.Errorf(domain.KindNotFound, "no such companion"), false},
		{"forbidden", domain.Errorf(domain.KindForbidden, "not yours"), false},
		// Failed: a dropped connection may hide a commit, and a row naming nothing is worse than an
		// orphan that cleanup removes.
		{"unavailable", domain.Errorf(domain.KindUnavailable, "connection reset"), true},
		{"internal", domain.Errorf(domain.KindInternal, "driver panic"), true},
		{"unclassified", errors.New("something odd"), true},
		{"deadline", context.DeadlineExceeded, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			blobs := mediafake.NewBlobs()
			var key string

			it, err := mediauc.Store(context.Background(), blobs, pictureFile, storedAt, func(it media.Item) error {
				key = it.Key.String()
				return tc.cause
			})

			require.ErrorIs(t, err, tc.cause)
			require.Zero(t, it)
			require.Equal(t, tc.keepBlob, blobs.Has(key), "blob kept")
			if !tc.keepBlob {
				require.Equal(t, []string{key}, blobs.Deleted())
			}
		})
	}
}

func TestStoreDeletesARefusedBlobAfterTheContextEnded(t *testing.T) {
	t.Parallel()
	blobs := mediafake.NewBlobs()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cause := domain.Errorf(domain.KindInvalid, "bad row")

	_, err := mediauc.Store(ctx, blobs, pictureFile, storedAt, func(media.Item) error {
		// The request ends while the row is refused: tidying up must not depend on it.
		cancel()
		return cause
	})

	require.ErrorIs(t, err, cause)
	require.Zero(t, blobs.Count())
	require.Len(t, blobs.Deleted(), 1)
}

func TestStoreReportsAFailedDeleteWithoutHidingTheCause(t *testing.T) {
	t.Parallel()
	blobs := mediafake.NewBlobs()
	diskGone := errors.New("disk gone")
	blobs.FailDelete = func(string) error { return diskGone }
	cause := domain.E(domain.KindConflict, "media_exists", "the file exists")

	_, err := mediauc.Store(context.Background(), blobs, pictureFile, storedAt, func(media.Item) error { return cause })

	require.ErrorIs(t, err, cause)
	require.ErrorIs(t, err, diskGone, "the leftover blob reaches the log")
	// The caller's answer is still the record's: a conflict, not an internal error.
	require.Equal(t, domain.KindConflict.String(), domain.KindOf(err).String())
	require.Equal(t, 1, blobs.Count())
}

func TestPictureFile(t *testing.T) {
	t.Parallel()
	img := mediauc.ProcessedImage{Data: []byte("webp"), ContentType: media.WebP, Width: 640, Height: 935}

	require.Equal(t, mediauc.File{Data: img.Data, ContentType: media.WebP, Kind: media.KindHeader, Width: 640, Height: 935},
		mediauc.PictureFile(img, media.KindHeader))
	require.Equal(t, media.KindPicture, mediauc.PictureFile(img, media.KindPicture).Kind)
}
