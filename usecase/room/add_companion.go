package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// AddCompanion brings a companion into a room: anyone in it may bring one of theirs, or a published
// one they may use — a mature or explicit one only when everyone in the room confirmed they are
// adults.
type AddCompanion struct {
	UserID, RoomID, CompanionID domain.ID
}

type addCompanionHandler struct{ d Deps }

func (h addCompanionHandler) Handle(ctx context.Context, in AddCompanion) (room.View, error) {
	if _, err := h.d.Store.View(ctx, in.RoomID, in.UserID); err != nil {
		return room.View{}, err
	}
	name, err := h.d.usable(ctx, in.UserID, in.CompanionID)
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
	h.d.changed(ctx, in.RoomID)
	return h.d.Store.View(ctx, in.RoomID, in.UserID)
}
