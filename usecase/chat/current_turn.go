package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// CurrentTurn finds the person's turn with a companion that has not ended, so that a client which
// lost its place — a reloaded page, a second device — can follow the reply still being written.
type CurrentTurn struct {
	OwnerID     domain.ID
	CompanionID domain.ID
}

type currentTurnHandler struct{ d Deps }

func (h currentTurnHandler) Handle(ctx context.Context, in CurrentTurn) (chat.Turn, error) {
	return h.d.Store.Turns().Current(ctx, in.OwnerID, in.CompanionID)
}
