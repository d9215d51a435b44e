package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// Delete deletes a room for everyone in it; its owner's only.
type Delete struct {
	UserID, RoomID domain.ID
}

type deleteHandler struct{ d Deps }

func (h deleteHandler) Handle(ctx context.Context, in Delete) (struct{}, error) {
	if _, err := h.d.owned(ctx, in.RoomID, in.UserID); err != nil {
		return struct{}{}, err
	}
	if err := h.d.Store.Delete(ctx, in.RoomID); err != nil {
		return struct{}{}, err
	}
	h.d.changed(ctx, in.RoomID)
	return struct{}{}, nil
}
