package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// RemoveCompanion takes a companion out of a room: the room's owner may, and whoever brought it.
type RemoveCompanion struct {
	UserID, RoomID, CompanionID domain.ID
}

type removeCompanionHandler struct{ d Deps }

func (h removeCompanionHandler) Handle(ctx context.Context, in RemoveCompanion) (room.View, error) {
	v, err := h.d.Store.View(ctx, in.RoomID, in.UserID)
	if err != nil {
		return room.View{}, err
	}
	i := -1
	for j, c := range v.Companions {
		if c.CompanionID == in.CompanionID {
			i = j
		}
	}
	if i < 0 {
		return room.View{}, ErrCompanionNotInRoom
	}
	if v.RoleOf(in.UserID) != room.Owner && v.Companions[i].AddedBy != in.UserID {
		return room.View{}, ErrNotOwner
	}
	if err := h.d.Store.RemoveCompanion(ctx, in.RoomID, in.CompanionID); err != nil {
		return room.View{}, err
	}
	h.d.changed(ctx, in.RoomID)
	return h.d.Store.View(ctx, in.RoomID, in.UserID)
}
