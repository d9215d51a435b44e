package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/room"
)

// ListInvites is a room's live invitations (never their codes); its owner's only.
type ListInvites struct {
	UserID, RoomID domain.ID
}

type invitesHandler struct{ d Deps }

func (h invitesHandler) Handle(ctx context.Context, in ListInvites) ([]room.Invite, error) {
	if _, err := h.d.owned(ctx, in.RoomID, in.UserID); err != nil {
		return nil, err
	}
	return h.d.Store.Invites(ctx, in.RoomID, h.d.Clock.Now())
}
