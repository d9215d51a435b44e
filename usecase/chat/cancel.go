package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// CancelTurn asks a turn to stop. The turn ends as cancelled (its stream says so) unless its reply
// was already saved; cancelling an ended turn changes nothing.
type CancelTurn struct {
	OwnerID domain.ID
	TurnID  domain.ID
}

type cancelHandler struct{ d Deps }

func (h cancelHandler) Handle(ctx context.Context, in CancelTurn) (chat.Turn, error) {
	t, err := h.d.Store.Turns().Get(ctx, in.OwnerID, in.TurnID)
	if err != nil || t.Ended() {
		return t, err
	}
	if err := h.d.Store.Turns().RequestCancel(ctx, t.ID()); err != nil {
		return t, err
	}
	t.RequestCancel()
	if err := h.d.Runner.Cancel(ctx, t.ID()); err != nil {
		return t, err
	}
	return t, nil
}
