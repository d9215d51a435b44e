package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// RevokeInvite makes an invitation unusable at once (a code that leaked); its owner's only. It is
// never rate limited: stopping a leak must always be possible.
type RevokeInvite struct {
	UserID, RoomID, InviteID domain.ID
}

type revokeInviteHandler struct{ d Deps }

func (h revokeInviteHandler) Handle(ctx context.Context, in RevokeInvite) (struct{}, error) {
	if _, err := h.d.owned(ctx, in.RoomID, in.UserID); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.d.Store.DeleteInvite(ctx, in.RoomID, in.InviteID)
}
