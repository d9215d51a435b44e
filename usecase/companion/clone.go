package companion

import (
	"context"
	"io"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// Clone makes OwnerID a private companion of their own from Source, someone's shared companion
// (the community's clone): its shareable profile — nothing its owner wrote about themself — in the
// starting scene, the relationship where it starts, and a copy of its header picture in a file of
// its own, so that the clone outlives the original.
type Clone struct {
	OwnerID domain.ID
	Source  *companion.Companion
	Meta    audit.Meta
}

// maxHeaderCopyBytes bounds the header picture a clone reads back: stored headers are re-encoded
// at most 800² (far below this), so only a corrupt blob would come near it.
const maxHeaderCopyBytes = 8 << 20

type cloneHandler struct{ d Deps }

func (h cloneHandler) Handle(ctx context.Context, in Clone) (*companion.Companion, error) {
	if err := h.d.Guard.Check(ctx, h.d.Policy.CreateRule, in.OwnerID.String()); err != nil {
		return nil, err
	}
	now := h.d.Clock.Now()
	c := companion.New(domain.NewID(now), in.OwnerID, in.Source.Profile().Shareable(), now)
	ev := event(now, in.OwnerID, audit.ActionCompanionClone, c, in.Meta).With("origin", in.Source.ID().String())
	create := func(r Repos) error {
		if err := r.Companions().Create(ctx, c); err != nil {
			return err
		}
		return appendAudit(ctx, r, ev)
	}
	header, ok := h.headerCopy(ctx, in.Source.Header())
	if !ok { // no picture, or none that could be read: the clone is made without one
		if err := h.d.Store.InTx(ctx, create); err != nil {
			return nil, err
		}
		return c, nil
	}
	_, err := mediauc.Store(ctx, h.d.Blobs, mediauc.PictureFile(header, media.KindHeader), now, func(it media.Item) error {
		return h.d.Store.InTx(ctx, func(r Repos) error {
			if err := create(r); err != nil {
				return err
			}
			it.OwnerID, it.CompanionID = in.OwnerID, c.ID()
			if err := r.Media().Create(ctx, it); err != nil {
				return err
			}
			c.SetHeader(it.Image(), now)
			return r.Companions().Update(ctx, c)
		})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// headerCopy reads the source's header picture back and checks it again as any picture is
// checked (the copy is a new file, never a shared one).
func (h cloneHandler) headerCopy(ctx context.Context, img media.Image) (mediauc.ProcessedImage, bool) {
	if img.IsZero() {
		return mediauc.ProcessedImage{}, false
	}
	rc, _, err := h.d.Blobs.Get(ctx, img.Key.String())
	if err != nil {
		return mediauc.ProcessedImage{}, false
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(io.LimitReader(rc, maxHeaderCopyBytes))
	if err != nil {
		return mediauc.ProcessedImage{}, false
	}
	p, err := h.d.Images.Process(ctx, data, mediauc.HeaderFit)
	if err != nil {
		return mediauc.ProcessedImage{}, false
	}
	return p, true
}
