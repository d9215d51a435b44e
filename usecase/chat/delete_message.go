package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// DeleteMessage removes a message; a person's message takes its replies with it. If that removes
// the conversation's last reply, the scene goes back to the reply before.
type DeleteMessage struct {
	OwnerID   domain.ID
	MessageID domain.ID
}

type deleteHandler struct{ d Deps }

func (h deleteHandler) Handle(ctx context.Context, in DeleteMessage) (struct{}, error) {
	m, err := h.d.Store.Messages().Get(ctx, in.OwnerID, in.MessageID)
	if err != nil {
		return struct{}{}, err
	}
	now := h.d.Clock.Now()
	return struct{}{}, h.d.Store.InTx(ctx, func(r Repos) error {
		// The conversation of a trashed companion is read-only; of one being answered, it waits.
		if err := lockIdle(ctx, r, in.OwnerID, m.CompanionID); err != nil {
			return err
		}
		if err := r.Messages().Delete(ctx, m.ID); err != nil {
			return err
		}
		if m.Role == chat.RoleAssistant && m.Selected && !m.ReplyTo.IsZero() {
			// The shown reply went: the newest remaining alternative is shown instead.
			alts, err := r.Messages().Alternatives(ctx, m.ReplyTo)
			if err != nil {
				return err
			}
			if len(alts) > 0 {
				if err := r.Messages().Select(ctx, m.ReplyTo, alts[len(alts)-1].ID); err != nil {
					return err
				}
			}
		}
		return restoreScene(ctx, r, in.OwnerID, m.CompanionID, now)
	})
}
