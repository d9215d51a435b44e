package community

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// Clone makes the person a private copy of a published companion they may see (their own too):
// the shareable profile and a header picture of its own, linked to its origin. The copy is theirs
// alone and independent: nothing done to it or to the original reaches the other.
type Clone struct {
	UserID      domain.ID
	CompanionID domain.ID
	Meta        audit.Meta
}

type cloneHandler struct{ d Deps }

func (h cloneHandler) Handle(ctx context.Context, in Clone) (*companion.Companion, error) {
	if in.UserID.IsZero() {
		return nil, ErrAccountNeeded
	}
	l, err := h.d.visible(ctx, in.UserID, in.CompanionID)
	if err != nil {
		return nil, err
	}
	c, err := h.d.Companions.Clone.Handle(ctx, companionuc.Clone{OwnerID: in.UserID, Source: l.Companion, Meta: in.Meta})
	if err != nil {
		return nil, err
	}
	// The clone exists; counting it and linking it to its origin must not undo it.
	_ = h.d.Store.RecordClone(ctx, in.CompanionID, c.ID(), h.d.Clock.Now())
	return c, nil
}
