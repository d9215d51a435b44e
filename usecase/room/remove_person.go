package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// RemovePerson takes someone out of a room, with the companions they brought; its owner's only.
// They lose it at once: to them it no longer exists.
type RemovePerson struct {
	UserID, RoomID, PersonID domain.ID
}

type removePersonHandler struct{ d Deps }

func (h removePersonHandler) Handle(ctx context.Context, in RemovePerson) (room.View, error) {
	if _, err := h.d.owned(ctx, in.RoomID, in.UserID); err != nil {
		return room.View{}, err
	}
	if in.PersonID == in.UserID {
		return room.View{}, ErrOwnerStays
	}
	if err := h.d.Store.RemovePerson(ctx, in.RoomID, in.PersonID); err != nil {
		return room.View{}, err
	}
	h.d.changed(ctx, in.RoomID)
	return h.d.Store.View(ctx, in.RoomID, in.UserID)
}
