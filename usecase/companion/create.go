package companion

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
)

// Create makes a companion from a profile.
type Create struct {
	OwnerID domain.ID
	Profile companion.ProfileSpec
	Meta    audit.Meta
}

type createHandler struct{ d Deps }

func (h createHandler) Handle(ctx context.Context, in Create) (*companion.Companion, error) {
	p, err := companion.NewProfile(in.Profile)
	if err != nil {
		return nil, err
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.CreateRule, in.OwnerID.String()); err != nil {
		return nil, err
	}
	if err := h.d.checkVoice(ctx, companion.Voice{}, p.Spec().Voice); err != nil {
		return nil, err
	}
	now := h.d.Clock.Now()
	c := companion.New(domain.NewID(now), in.OwnerID, p, now)
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		if err := r.Companions().Create(ctx, c); err != nil {
			return err
		}
		return appendAudit(ctx, r, event(now, in.OwnerID, audit.ActionCompanionCreate, c, in.Meta))
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
