package account

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

// FindUser finds an account by username or e-mail address, for operators' tools (the admin
// commands): it is no API, since it tells whether an account exists.
type FindUser struct{ Identifier string }

// ErrUserNotFound answers for an identifier no account has.
var ErrUserNotFound = domain.E(domain.KindNotFound, "user_not_found", "no account has that username or e-mail address")

type findUserHandler struct{ d Deps }

func (h findUserHandler) Handle(ctx context.Context, in FindUser) (*account.User, error) {
	id, err := account.NewIdentifier(in.Identifier)
	if err != nil {
		return nil, ErrUserNotFound
	}
	u, err := h.d.Store.Users().FindByLogin(ctx, id)
	if domain.IsKind(err, domain.KindNotFound) {
		return nil, ErrUserNotFound
	}
	return u, err
}
