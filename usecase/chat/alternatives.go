package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// ListAlternatives lists the replies to a person's message, oldest first, the shown one marked
// Selected: MessageID is that message or any reply to it. Selecting one (EditMessage) needs its id.
// Reading is allowed while the companion is in the trash.
type ListAlternatives struct {
	OwnerID   domain.ID
	MessageID domain.ID
}

type alternativesHandler struct{ d Deps }

func (h alternativesHandler) Handle(ctx context.Context, in ListAlternatives) ([]chat.Message, error) {
	m, err := h.d.Store.Messages().Get(ctx, in.OwnerID, in.MessageID)
	if err != nil {
		return nil, err
	}
	switch {
	case m.Role == chat.RoleUser:
		return h.d.Store.Messages().Alternatives(ctx, m.ID)
	case m.Role == chat.RoleAssistant && !m.ReplyTo.IsZero():
		return h.d.Store.Messages().Alternatives(ctx, m.ReplyTo)
	}
	return []chat.Message{}, nil // what answers nothing has no alternatives
}
