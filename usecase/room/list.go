package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// List is the rooms a person is in.
type List struct{ UserID domain.ID }

type listHandler struct{ d Deps }

func (h listHandler) Handle(ctx context.Context, in List) ([]room.Room, error) {
	return h.d.Store.List(ctx, in.UserID)
}
