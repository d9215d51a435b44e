package chat

import (
	"context"
	"errors"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// Regenerate writes another reply to the conversation's last message; the new one is shown, the
// old ones are kept as alternatives (SPEC §3.3). MessageID is that message or a reply to it.
type Regenerate struct {
	OwnerID   domain.ID
	MessageID domain.ID
	Options   chat.Options
}

type regenerateHandler struct{ d Deps }

func (h regenerateHandler) Handle(ctx context.Context, in Regenerate) (chat.Turn, error) {
	m, err := h.d.Store.Messages().Get(ctx, in.OwnerID, in.MessageID)
	if err != nil {
		return chat.Turn{}, err
	}
	question := m.ID
	switch m.Role {
	case chat.RoleAssistant:
		question = m.ReplyTo
	case chat.RoleSystemEvent:
		return chat.Turn{}, ErrNotLastTurn
	}
	if question.IsZero() {
		return chat.Turn{}, ErrNotLastTurn
	}
	if err := checkLimits(ctx, h.d, in.OwnerID, in.Options); err != nil {
		return chat.Turn{}, err
	}
	now := h.d.Clock.Now()
	turn, err := chat.NewTurn(domain.NewID(now), in.OwnerID, m.CompanionID, question, in.Options, true, now, h.d.Settings.StartLease)
	if err != nil {
		return chat.Turn{}, err
	}
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		if err := lockIdle(ctx, r, in.OwnerID, m.CompanionID); err != nil {
			return err
		}
		latest, err := r.Messages().Latest(ctx, m.CompanionID)
		if err != nil {
			return err
		}
		if latest.ID != question && latest.ReplyTo != question {
			return ErrNotLastTurn
		}
		return r.Turns().Create(ctx, turn, "")
	})
	if err != nil {
		return chat.Turn{}, err
	}
	if err := start(ctx, h.d, turn); err != nil {
		fin := failure(turn.ID(), err)
		if _, ferr := h.d.Steps.Finish(context.WithoutCancel(ctx), fin); ferr != nil {
			return chat.Turn{}, errors.Join(err, ferr)
		}
		return chat.Turn{}, err
	}
	return turn, nil
}
