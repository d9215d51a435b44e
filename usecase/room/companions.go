package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// AddCompanion brings a companion into a room: anyone in it may bring one of theirs, or a published
// one they may use.
type AddCompanion struct {
	UserID, RoomID, CompanionID domain.ID
}

type addCompanionHandler struct{ d Deps }

func (h addCompanionHandler) Handle(ctx context.Context, in AddCompanion) (room.View, error) {
	if _, err := h.d.Store.View(ctx, in.RoomID, in.UserID); err != nil {
		return room.View{}, err
	}
	name, err := h.d.Companions(ctx, in.UserID, in.CompanionID)
	if err != nil {
		return room.View{}, err
	}
	if err := h.d.limit(ctx, in.UserID); err != nil {
		return room.View{}, err
	}
	c := room.Companion{CompanionID: in.CompanionID, Name: name, AddedBy: in.UserID, AddedAt: h.d.Clock.Now()}
	if err := h.d.Store.AddCompanion(ctx, in.RoomID, c); err != nil {
		return room.View{}, err
	}
	return h.d.Store.View(ctx, in.RoomID, in.UserID)
}

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
		return room.View{}, ErrNotYourCompanion
	}
	if v.RoleOf(in.UserID) != room.Owner && v.Companions[i].AddedBy != in.UserID {
		return room.View{}, ErrNotOwner
	}
	if err := h.d.Store.RemoveCompanion(ctx, in.RoomID, in.CompanionID); err != nil {
		return room.View{}, err
	}
	return h.d.Store.View(ctx, in.RoomID, in.UserID)
}
