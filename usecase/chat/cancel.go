package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// CancelTurn asks a turn to stop. The turn ends as cancelled (its stream says so) unless its reply
// was already saved; cancelling an ended turn changes nothing. A turn of a trashed companion can be
// cancelled too, though the rest of its conversation is read-only (ErrCompanionTrashed): stopping a
// reply that is still being written changes nothing the owner wrote, and a turn that runs on when
// its companion is trashed would otherwise be beyond anyone's reach.
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
	if t.Ended() {
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
