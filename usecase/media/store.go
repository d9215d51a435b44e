package media

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

// File is a checked file about to be stored: its bytes and what the hub knows of them.
type File struct {
	Data        []byte
	ContentType media.ContentType
	Kind        media.Kind
	Width       int // pictures only
	Height      int
}

// Store puts f in the blob store under a fresh key, then lets record write the rows that refer to
// it (the item passed has key, kind, type, size, dimensions and time; record fills in owner and
// companion). Every feature that stores files does it this way, so the invariant holds everywhere:
// a file is stored before the row that names it. If record was refused — the request was wrong,
// nothing was written — the blob is deleted again. If the store failed (a dropped connection may
// hide a commit that went through) the blob stays: an orphan, which cleanup-orphans removes, beats
// a row naming nothing.
func Store(ctx context.Context, blobs BlobStore, f File, now time.Time, record func(media.Item) error) (media.Item, error) {
	it := media.Item{Key: media.NewKey(f.ContentType), Kind: f.Kind, ContentType: f.ContentType,
		Bytes: int64(len(f.Data)), Width: f.Width, Height: f.Height, CreatedAt: now}
	if err := blobs.Put(ctx, it.Key.String(), f.ContentType.String(), bytes.NewReader(f.Data)); err != nil {
		return media.Item{}, err
	}
	if err := record(it); err != nil {
		if k := domain.KindOf(err); k == domain.KindInternal || k == domain.KindUnavailable {
			return media.Item{}, err
		}
		if derr := blobs.Delete(context.WithoutCancel(ctx), it.Key.String()); derr != nil {
			return media.Item{}, errors.Join(err, domain.Errorf(domain.KindInternal, "delete unrecorded blob %s: %w", it.Key, derr))
		}
		return media.Item{}, err
	}
	return it, nil
}

// PictureFile is a processed picture as a file of kind k.
func PictureFile(img ProcessedImage, k media.Kind) File {
	return File{Data: img.Data, ContentType: img.ContentType, Kind: k, Width: img.Width, Height: img.Height}
}
