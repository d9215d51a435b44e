package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// GetTurn reads one of the person's turns.
type GetTurn struct {
	OwnerID domain.ID
	TurnID  domain.ID
}

type getTurnHandler struct{ d Deps }

func (h getTurnHandler) Handle(ctx context.Context, in GetTurn) (chat.Turn, error) {
	return h.d.Store.Turns().Get(ctx, in.OwnerID, in.TurnID)
}
