package companion

import (
	"context"
	"time"

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
	// Foreign, unknown and trashed ids are refused before any work is spent on the picture.
	if c, err := h.d.Store.Companions().Get(ctx, in.OwnerID, in.ID); err != nil {
		return nil, err
	} else if err := c.Writable(); err != nil {
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
	_, err = mediauc.Store(ctx, h.d.Blobs, mediauc.PictureFile(img, media.KindHeader), h.d.Clock.Now(), func(it media.Item) error {
		return h.d.Store.InTx(ctx, func(r Repos) error {
			var err error
			if c, err = writable(ctx, r.Companions(), in.OwnerID, in.ID); err != nil {
				return err
			}
			it.OwnerID, it.CompanionID = in.OwnerID, c.ID()
			if err := r.Media().Create(ctx, it); err != nil {
				return err
			}
			if old, err = swapHeader(ctx, r, c, it.Image(), it.CreatedAt); err != nil {
				return err
			}
			return appendAudit(ctx, r, event(it.CreatedAt, in.OwnerID, audit.ActionCompanionHeader, c, in.Meta).
				With("key", it.Key.String()))
		})
	})
	if err != nil {
		return nil, err
	}
	h.d.deleteFile(ctx, old)
	return c, nil
}

// swapHeader makes img (zero: none) c's header and deletes the row of the picture it replaces,
// which it returns (zero if there was none) for deleteFile once the change is committed.
func swapHeader(ctx context.Context, r Repos, c *companion.Companion, img media.Image, now time.Time) (media.Image, error) {
	old := c.SetHeader(img, now)
	if err := r.Companions().Update(ctx, c); err != nil {
		return media.Image{}, err
	}
	if !old.IsZero() {
		if err := r.Media().Delete(ctx, old.Key); err != nil {
			return media.Image{}, err
		}
	}
	return old, nil
}

// deleteFile deletes the file of a picture whose row a committed change deleted (none when img is
// zero). Best effort: if this fails the file is an orphan, which cleanup-orphans removes.
func (d Deps) deleteFile(ctx context.Context, img media.Image) {
	if !img.IsZero() {
		_ = d.Blobs.Delete(context.WithoutCancel(ctx), img.Key.String())
	}
}
