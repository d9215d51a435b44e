package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// Update changes a room's title or settings (nil: unchanged); its owner's only.
type Update struct {
	UserID, RoomID domain.ID
	Title          *string
	Settings       *room.Settings
}

type updateHandler struct{ d Deps }

func (h updateHandler) Handle(ctx context.Context, in Update) (room.View, error) {
	v, err := h.d.owned(ctx, in.RoomID, in.UserID)
	if err != nil {
		return room.View{}, err
	}
	r := v.Room
	if in.Title != nil {
		if r.Title, err = room.NewTitle(*in.Title); err != nil {
			return room.View{}, err
		}
	}
	if in.Settings != nil {
		if err := in.Settings.Validate(); err != nil {
			return room.View{}, err
		}
		r.Settings = *in.Settings
	}
	if err := h.d.limit(ctx, in.UserID); err != nil {
		return room.View{}, err
	}
	r.UpdatedAt = h.d.Clock.Now()
	if err := h.d.Store.Update(ctx, r); err != nil {
		return room.View{}, err
	}
	return h.d.Store.View(ctx, in.RoomID, in.UserID)
}

// Delete deletes a room for everyone in it; its owner's only.
type Delete struct {
	UserID, RoomID domain.ID
}

type deleteHandler struct{ d Deps }

func (h deleteHandler) Handle(ctx context.Context, in Delete) (struct{}, error) {
	if _, err := h.d.owned(ctx, in.RoomID, in.UserID); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.d.Store.Delete(ctx, in.RoomID)
}
