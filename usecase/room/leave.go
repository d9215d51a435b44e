package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// Leave takes a member out of a room, with the companions they brought (its owner deletes it
// instead).
type Leave struct {
	UserID, RoomID domain.ID
}

type leaveHandler struct{ d Deps }

func (h leaveHandler) Handle(ctx context.Context, in Leave) (struct{}, error) {
	v, err := h.d.Store.View(ctx, in.RoomID, in.UserID)
	if err != nil {
		return struct{}{}, err
	}
	if v.RoleOf(in.UserID) == room.Owner {
		return struct{}{}, ErrOwnerStays
	}
	if err := h.d.Store.RemovePerson(ctx, in.RoomID, in.UserID); err != nil {
		return struct{}{}, err
	}
	h.d.changed(ctx, in.RoomID)
	return struct{}{}, nil
}
