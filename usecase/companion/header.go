package companion

import (
	"bytes"
	"context"
	"errors"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// SetHeader replaces a companion's header image with an uploaded picture, which goes through the
// image pipeline first (validated by content, re-encoded without metadata, at most 800×800). The
// replaced file is deleted.
type SetHeader struct {
	OwnerID domain.ID
	ID      domain.ID
	Image   []byte
	Meta    audit.Meta
}

type setHeaderHandler struct{ d Deps }

func (h setHeaderHandler) Handle(ctx context.Context, in SetHeader) (*companion.Companion, error) {
	// Foreign and unknown ids are refused before any work is spent on the picture.
	if _, err := live(ctx, h.d.Store.Companions(), false, in.OwnerID, in.ID); err != nil {
		return nil, err
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.UpdateRule, in.OwnerID.String()); err != nil {
		return nil, err
	}
	img, err := h.d.Images.Process(ctx, in.Image, mediauc.HeaderFit)
	if err != nil {
		return nil, err
	}
	var c *companion.Companion
	var old media.Image
	err = storeImage(ctx, h.d, img, func(it media.Item) error {
		return h.d.Store.InTx(ctx, func(r Repos) error {
			var err error
			if c, err = live(ctx, r.Companions(), true, in.OwnerID, in.ID); err != nil {
				return err
			}
			it.OwnerID, it.CompanionID = in.OwnerID, c.ID()
			if err := r.Media().Create(ctx, it); err != nil {
				return err
			}
			old = c.SetHeader(it.Image(), it.CreatedAt)
			if err := r.Companions().Update(ctx, c); err != nil {
				return err
			}
			if !old.IsZero() {
				if err := r.Media().Delete(ctx, old.Key); err != nil {
					return err
				}
			}
			return appendAudit(ctx, r, event(it.CreatedAt, in.OwnerID, audit.ActionCompanionHeader, c, in.Meta).
				With("key", it.Key.String()))
		})
	})
	if err != nil {
		return nil, err
	}
	if !old.IsZero() {
		// Best effort: if this fails the blob is an orphan, which cleanup-orphans removes.
		_ = h.d.Blobs.Delete(ctx, old.Key.String())
	}
	return c, nil
}

// storeImage puts a processed picture in the blob store under a fresh key, then lets record write
// the rows that refer to it (the item passed has key, kind, type, size and time; record fills in
// owner and companion). If record was refused — the request was wrong, nothing was written — the
// blob is deleted again. If the store failed (a dropped connection may hide a commit that went
// through) the blob stays: an orphan, which cleanup-orphans removes, beats a row naming nothing.
func storeImage(ctx context.Context, d Deps, img mediauc.ProcessedImage, record func(media.Item) error) error {
	it := media.Item{Key: media.NewKey(img.ContentType), Kind: media.KindHeader, ContentType: img.ContentType,
		Bytes: int64(len(img.Data)), Width: img.Width, Height: img.Height, CreatedAt: d.Clock.Now()}
	if err := d.Blobs.Put(ctx, it.Key.String(), img.ContentType.String(), bytes.NewReader(img.Data)); err != nil {
		return err
	}
	if err := record(it); err != nil {
		if k := domain.KindOf(err); k == domain.KindInternal || k == domain.KindUnavailable {
			return err
		}
		if derr := d.Blobs.Delete(context.WithoutCancel(ctx), it.Key.String()); derr != nil {
			return errors.Join(err, domain.Errorf(domain.KindInternal, "delete unrecorded blob %s: %w", it.Key, derr))
		}
		return err
	}
	return nil
}
