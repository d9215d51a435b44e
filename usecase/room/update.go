package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// Update changes a room's title or some of its settings (nil: unchanged); its owner's only.
// Concurrent changes of different fields both hold: each is applied under the room's lock.
type Update struct {
	UserID, RoomID domain.ID
	Title          *string
	Settings       SettingsPatch
}

type updateHandler struct{ d Deps }

func (h updateHandler) Handle(ctx context.Context, in Update) (room.View, error) {
	if _, err := h.d.owned(ctx, in.RoomID, in.UserID); err != nil {
		return room.View{}, err
	}
	var title string
	if in.Title != nil {
		var err error
		if title, err = room.NewTitle(*in.Title); err != nil {
			return room.View{}, err
		}
	}
	if err := in.Settings.Over(room.DefaultSettings()).Validate(); err != nil {
		return room.View{}, err // what the patch says is wrong whatever it is applied to
	}
	if err := h.d.limit(ctx, in.UserID); err != nil {
		return room.View{}, err
	}
	err := h.d.Store.Modify(ctx, in.RoomID, func(r *room.Room) error {
		if in.Title != nil {
			r.Title = title
		}
		r.Settings = in.Settings.Over(r.Settings)
		r.UpdatedAt = h.d.Clock.Now()
		return r.Settings.Validate()
	})
	if err != nil {
		return room.View{}, err
	}
	h.d.changed(ctx, in.RoomID)
	return h.d.Store.View(ctx, in.RoomID, in.UserID)
}
