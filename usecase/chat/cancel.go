package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// CancelTurn asks a turn to stop. The turn ends as cancelled (its stream says so) unless its reply
// was already saved; cancelling an ended turn changes nothing. The turns of a trashed companion
// are read-only, like the rest of its conversation (ErrCompanionTrashed).
type CancelTurn struct {
	OwnerID domain.ID
	TurnID  domain.ID
}

type cancelHandler struct{ d Deps }

func (h cancelHandler) Handle(ctx context.Context, in CancelTurn) (chat.Turn, error) {
	t, err := h.d.Store.Turns().Get(ctx, in.OwnerID, in.TurnID)
	if err != nil {
		return t, err
	}
	c, err := h.d.Store.Companions().Get(ctx, in.OwnerID, t.CompanionID())
	switch {
	case err != nil:
		return t, err
	case c.Deleted():
		return t, ErrCompanionTrashed
	case t.Ended():
		return t, nil
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
