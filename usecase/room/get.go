package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// Get is a room as a person in it sees it; ErrNotFound for anyone else.
type Get struct {
	UserID, RoomID domain.ID
}

type getHandler struct{ d Deps }

func (h getHandler) Handle(ctx context.Context, in Get) (room.View, error) {
	return h.d.Store.View(ctx, in.RoomID, in.UserID)
}
