package companion

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
)

// RemoveHeader takes a companion's header image away. Its row goes with the change; its file is
// deleted after the commit, like a replaced header's — if that fails the file is an orphan, which
// cleanup-orphans removes. Removing a header that is not there changes nothing.
type RemoveHeader struct {
	OwnerID domain.ID
	ID      domain.ID
	Meta    audit.Meta
}

type removeHeaderHandler struct{ d Deps }

func (h removeHeaderHandler) Handle(ctx context.Context, in RemoveHeader) (*companion.Companion, error) {
	if err := h.d.Guard.Check(ctx, h.d.Policy.UpdateRule, in.OwnerID.String()); err != nil {
		return nil, err
	}
	var c *companion.Companion
	var old media.Image
	err := h.d.Store.InTx(ctx, func(r Repos) error {
		var err error
		if c, err = writable(ctx, r.Companions(), in.OwnerID, in.ID); err != nil {
			return err
		}
		if c.Header().IsZero() {
			return nil
		}
		now := h.d.Clock.Now()
		if old, err = swapHeader(ctx, r, c, media.Image{}, now); err != nil {
			return err
		}
		return appendAudit(ctx, r, event(now, in.OwnerID, audit.ActionCompanionHeader, c, in.Meta).
			With("removed", old.Key.String()))
	})
	if err != nil {
		return nil, err
	}
	h.d.deleteFile(ctx, old)
	return c, nil
}
