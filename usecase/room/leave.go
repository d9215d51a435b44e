package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// Leave takes a member out of a room (its owner deletes it instead).
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
	return struct{}{}, h.d.Store.RemovePerson(ctx, in.RoomID, in.UserID)
}

// RemovePerson takes someone out of a room; its owner's only. They lose it at once: to them it no
// longer exists.
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
	return h.d.Store.View(ctx, in.RoomID, in.UserID)
}
