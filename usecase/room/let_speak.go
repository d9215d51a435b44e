package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// LetSpeak has a companion of the room answer now ("let X speak"): the room's manual turn-taking,
// and a nudge in any other. It answers the room's newest message; ErrTurnInProgress while another
// answers, ErrNothingToAnswer in a room where nothing was said.
type LetSpeak struct {
	UserID, RoomID, CompanionID domain.ID
}

type letSpeakHandler struct {
	d       Deps
	advance advancer
}

func (h letSpeakHandler) Handle(ctx context.Context, in LetSpeak) (chat.Turn, error) {
	if _, err := h.d.Store.View(ctx, in.RoomID, in.UserID); err != nil {
		return chat.Turn{}, err
	}
	t := h.d.Talk
	if t.Quota != nil {
		if err := t.Quota(ctx, in.UserID); err != nil {
			return chat.Turn{}, err
		}
	}
	if h.d.Guard != nil {
		if err := h.d.Guard.Check(ctx, t.ChatRule, in.UserID.String()); err != nil {
			return chat.Turn{}, err
		}
	}
	turn, _, err := h.advance.next(ctx, in.RoomID, in.CompanionID, in.UserID)
	return turn, err
}
