package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// Join uses an invitation's code: the person becomes a member of its room.
type Join struct {
	UserID domain.ID
	Code   string
}

type joinHandler struct{ d Deps }

func (h joinHandler) Handle(ctx context.Context, in Join) (room.View, error) {
	if len(in.Code) > 200 {
		return room.View{}, ErrInviteInvalid
	}
	if err := h.d.limit(ctx, in.UserID); err != nil {
		return room.View{}, err
	}
	id, err := h.d.Store.Redeem(ctx, hashCode(in.Code), in.UserID, h.d.Clock.Now())
	if err != nil {
		return room.View{}, err
	}
	h.d.changed(ctx, id)
	return h.d.Store.View(ctx, id, in.UserID)
}
