package summary

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// Get asks for a companion's summary of its conversation with its owner.
type Get struct {
	OwnerID     domain.ID
	CompanionID domain.ID
}

// ErrNone is a companion with no summary: its conversation fits the window yet (or the companion
// is not the person's).
var ErrNone = domain.E(domain.KindNotFound, "no_summary", "the conversation has no summary yet")

type getHandler struct{ d Deps }

func (h getHandler) Handle(ctx context.Context, in Get) (Summary, error) {
	s, ok, err := h.d.Store.Get(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return Summary{}, err
	}
	if !ok {
		return Summary{}, ErrNone
	}
	return s, nil
}
