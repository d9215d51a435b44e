package companion

import (
	"context"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/usecase"
)

// Relationships moves a companion's relationship for the memory feature, which learns how a
// conversation moved it, and puts it back where it starts when the companion is made to forget
// everything. Each change is one transaction on the companion, under its lock.
type Relationships struct {
	Store Store
	Clock usecase.Clock
}

// Adjust moves affection and trust by the deltas, each clamped to ±3 and the levels to 0–100
// (companion.AdjustRelationship). A companion in the trash is left as it is.
func (r Relationships) Adjust(ctx context.Context, owner, id domain.ID, affection, trust int) error {
	if affection == 0 && trust == 0 {
		return nil
	}
	return r.Store.InTx(ctx, func(repos Repos) error {
		c, err := repos.Companions().GetForUpdate(ctx, owner, id)
		if err != nil {
			return err
		}
		if c.Writable() != nil {
			return nil
		}
		c.AdjustRelationship(affection, trust, r.Clock.Now())
		return repos.Companions().Update(ctx, c)
	})
}

// Forgot records that the companion was made to forget everything (forgotten memories): its
// relationship goes back to where it starts, and the wipe is audited. A companion in the trash is
// companion.ErrTrashed.
func (r Relationships) Forgot(ctx context.Context, owner, id domain.ID, forgotten int, m audit.Meta) error {
	return r.Store.InTx(ctx, func(repos Repos) error {
		c, err := writable(ctx, repos.Companions(), owner, id)
		if err != nil {
			return err
		}
		now := r.Clock.Now()
		c.ResetRelationship(now)
		if err := repos.Companions().Update(ctx, c); err != nil {
			return err
		}
		return appendAudit(ctx, repos, event(now, owner, audit.ActionMemoryWipe, c, m).With("memories", strconv.Itoa(forgotten)))
	})
}
