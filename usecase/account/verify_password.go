package account

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

// VerifyPassword checks a signed-in person's password before something that cannot be undone
// (deleting the account). It spends the same budget per account as a password change's check, so
// a stolen session cannot become a way to guess the password. ErrWrongPassword when it is not.
type VerifyPassword struct {
	UserID   domain.ID
	Password string
}

type verifyPasswordHandler struct{ d Deps }

func (h verifyPasswordHandler) Handle(ctx context.Context, in VerifyPassword) (struct{}, error) {
	pw := normalizePassword(in.Password)
	if pw == "" {
		return struct{}{}, domain.Invalid(domain.Violation("password", "required", "your password is required"))
	}
	u, err := h.d.Store.Users().Get(ctx, in.UserID)
	if err != nil {
		return struct{}{}, err
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Limits.PasswordCheck, u.ID().String()); err != nil {
		return struct{}{}, err
	}
	ok, _, err := h.d.Hasher.Verify(ctx, pw, u.PasswordHash())
	if err != nil {
		return struct{}{}, err
	}
	if !ok {
		return struct{}{}, account.ErrWrongPassword
	}
	return struct{}{}, nil
}
