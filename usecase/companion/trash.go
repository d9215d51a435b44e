package companion

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
)

// Delete moves a companion to the trash. It leaves the list of live companions for the trash's, is
// read-only there, and can be restored until the retention period ends and purging removes it for
// good. Deleting a companion already in the trash changes nothing.
type Delete struct {
	OwnerID domain.ID
	ID      domain.ID
	Meta    audit.Meta
}

type deleteHandler struct{ d Deps }

func (h deleteHandler) Handle(ctx context.Context, in Delete) (struct{}, error) {
	if err := h.d.Guard.Check(ctx, h.d.Policy.UpdateRule, in.OwnerID.String()); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.d.Store.InTx(ctx, func(r Repos) error {
		c, err := r.Companions().GetForUpdate(ctx, in.OwnerID, in.ID)
		if err != nil {
			return err
		}
		if c.Deleted() {
			return nil // already in the trash: it stays there, trashed when it was
		}
		now := h.d.Clock.Now()
		c.Delete(now)
		if err := r.Companions().Update(ctx, c); err != nil {
			return err
		}
		return appendAudit(ctx, r, event(now, in.OwnerID, audit.ActionCompanionDelete, c, in.Meta))
	})
}

// Restore takes a companion out of the trash.
type Restore struct {
	OwnerID domain.ID
	ID      domain.ID
	Meta    audit.Meta
}

type restoreHandler struct{ d Deps }

func (h restoreHandler) Handle(ctx context.Context, in Restore) (*companion.Companion, error) {
	var c *companion.Companion
	err := h.d.Store.InTx(ctx, func(r Repos) error {
		var err error
		if c, err = r.Companions().GetForUpdate(ctx, in.OwnerID, in.ID); err != nil {
			return err
		}
		if !c.Deleted() {
			return nil // restoring a live companion changes nothing
		}
		now := h.d.Clock.Now()
		c.Restore(now)
		if err := r.Companions().Update(ctx, c); err != nil {
			return err
		}
		return appendAudit(ctx, r, event(now, in.OwnerID, audit.ActionCompanionRestore, c, in.Meta))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
