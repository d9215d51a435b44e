package companion

import (
	"context"

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
		_ = h.d.Blobs.Delete(context.WithoutCancel(ctx), old.Key.String())
	}
	return c, nil
}
