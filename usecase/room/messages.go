package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// Messages is a page of a room's conversation, newest first, for a person in it.
type Messages struct {
	UserID, RoomID domain.ID
	Page           domain.Page
}

// MessagePage is a page of a room's messages and where the next (older) one starts.
type MessagePage struct {
	Messages []chat.Message
	Next     domain.Cursor
}

type messagesHandler struct{ d Deps }

func (h messagesHandler) Handle(ctx context.Context, in Messages) (MessagePage, error) {
	if _, err := h.d.Store.View(ctx, in.RoomID, in.UserID); err != nil {
		return MessagePage{}, err
	}
	msgs, next, err := h.d.Talk.Store.Rooms().History(ctx, in.RoomID, in.Page)
	if err != nil {
		return MessagePage{}, err
	}
	return MessagePage{Messages: msgs, Next: next}, nil
}
