package account

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

// Authenticate resolves a presented session token (cookie or bearer) to the principal it stands for.
type Authenticate struct {
	Token string
}

type authenticateHandler struct{ d Deps }

func (h authenticateHandler) Handle(ctx context.Context, in Authenticate) (Principal, error) {
	tok, err := account.ParseToken(in.Token)
	if err != nil {
		return Principal{}, account.ErrNoSession
	}
	sess, err := h.d.Store.Sessions().GetByTokenHash(ctx, tok.Hash())
	if domain.IsKind(err, domain.KindNotFound) {
		return Principal{}, account.ErrNoSession
	}
	if err != nil {
		return Principal{}, err
	}
	now := h.d.Clock.Now()
	if !sess.Active(now, h.d.Policy.Sessions) {
		return Principal{}, account.ErrNoSession
	}
	if sess.NeedsTouch(now) {
		if err := h.d.Store.Sessions().Touch(ctx, sess.ID(), now); err != nil {
			return Principal{}, err
		}
	}
	return Principal{UserID: sess.UserID(), SessionID: sess.ID()}, nil
}
