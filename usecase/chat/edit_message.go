package chat

import (
	"context"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// EditMessage changes a message's text, or shows another alternative of a reply (Select) — whose
// scene then becomes the companion's if it is the conversation's last reply.
type EditMessage struct {
	OwnerID   domain.ID
	MessageID domain.ID
	Text      *string
	Select    bool
}

type editHandler struct{ d Deps }

func (h editHandler) Handle(ctx context.Context, in EditMessage) (chat.Message, error) {
	if in.Text == nil && !in.Select {
		return chat.Message{}, domain.Invalid(domain.Violation("text", "required", "give the new text, or selected: true"))
	}
	m, err := h.d.Store.Messages().Get(ctx, in.OwnerID, in.MessageID)
	if err != nil {
		return chat.Message{}, err
	}
	var text string
	if in.Text != nil {
		if text, err = editedText(m.Role, *in.Text); err != nil {
			return chat.Message{}, err
		}
	}
	if in.Select && m.Role != chat.RoleAssistant {
		return chat.Message{}, domain.Invalid(domain.Violation("selected", "not_a_reply", "only replies have alternatives"))
	}
	if err := h.d.Guard.Check(ctx, h.d.Settings.ChatRule, in.OwnerID.String()); err != nil {
		return chat.Message{}, err
	}
	now := h.d.Clock.Now()
	err = h.d.Store.InTx(ctx, func(r Repos) error {
		// The conversation of a trashed companion is read-only; of one being answered, it waits.
		if err := lockIdle(ctx, r, in.OwnerID, m.CompanionID); err != nil {
			return err
		}
		if in.Text != nil {
			if err := r.Messages().UpdateText(ctx, m.ID, text, now); err != nil {
				return err
			}
			m.Text, m.EditedAt = text, now
		}
		if in.Select {
			if err := r.Messages().Select(ctx, m.ReplyTo, m.ID); err != nil {
				return err
			}
			m.Selected = true
			return restoreScene(ctx, r, in.OwnerID, m.CompanionID, now)
		}
		return nil
	})
	return m, err
}

// editedText validates an edit: what a person may send, or what a reply may hold.
func editedText(role chat.Role, s string) (string, error) {
	if role == chat.RoleUser {
		return chat.NewUserText("text", s)
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", domain.Invalid(domain.Violation("text", "required", "the message is empty"))
	case len([]rune(s)) > chat.MaxReplyText:
		return "", domain.Invalid(domain.Violation("text", "too_long", "the message must be at most 32000 characters"))
	}
	return s, nil
}

// restoreScene makes the scene of the conversation's last reply the companion's (or its starting
// scene when no reply is left): rewinding a chat rewinds the scene.
func restoreScene(ctx context.Context, r Repos, owner, companionID domain.ID, now time.Time) error {
	c, err := r.Companions().GetForUpdate(ctx, owner, companionID)
	if err != nil {
		return err
	}
	scene, err := sceneBefore(ctx, r, c, domain.Cursor{})
	if err != nil {
		return err
	}
	c.SetScene(scene, now)
	return r.Companions().Update(ctx, c)
}
