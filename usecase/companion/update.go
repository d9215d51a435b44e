package companion

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
)

// Update edits a companion's profile. Change receives the current profile and returns the new one;
// it runs while the companion is locked, so concurrent edits apply one after the other and none is
// lost. Whatever Change returns is validated in full. A companion in the trash is not edited
// (companion.ErrTrashed).
type Update struct {
	OwnerID domain.ID
	ID      domain.ID
	Change  func(companion.ProfileSpec) (companion.ProfileSpec, error)
	Meta    audit.Meta
}

type updateHandler struct{ d Deps }

func (h updateHandler) Handle(ctx context.Context, in Update) (*companion.Companion, error) {
	if err := h.d.Guard.Check(ctx, h.d.Policy.UpdateRule, in.OwnerID.String()); err != nil {
		return nil, err
	}
	// A new voice is checked against the speech backend's before the transaction: not a network
	// call inside it.
	if h.d.Voices != nil {
		current, err := writable(ctx, h.d.Store.Companions(), in.OwnerID, in.ID)
		if err != nil {
			return nil, err
		}
		if spec, err := in.Change(current.Profile().Spec()); err == nil {
			if err := h.d.checkVoice(ctx, current.Profile().Spec().Voice, spec.Voice); err != nil {
				return nil, err
			}
		}
	}
	var c *companion.Companion
	err := h.d.Store.InTx(ctx, func(r Repos) error {
		var err error
		if c, err = writable(ctx, r.Companions(), in.OwnerID, in.ID); err != nil {
			return err
		}
		spec, err := in.Change(c.Profile().Spec())
		if err != nil {
			return err
		}
		p, err := companion.NewProfile(spec)
		if err != nil {
			return err
		}
		now := h.d.Clock.Now()
		c.Edit(p, now)
		if err := r.Companions().Update(ctx, c); err != nil {
			return err
		}
		return appendAudit(ctx, r, event(now, in.OwnerID, audit.ActionCompanionUpdate, c, in.Meta))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
