package account

import (
	"context"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
)

// ChangePassword replaces the caller's password after checking the current one, and signs out every
// other session (a changed password usually means the old one may be known to someone else).
type ChangePassword struct {
	Principal Principal
	Current   string
	New       string
	Meta      audit.Meta
	// Rejected are the members a transport could not read: reported with the use case's own
	// checks, and nothing changes.
	Rejected []domain.FieldViolation
}

type changePasswordHandler struct{ d Deps }

func (h changePasswordHandler) Handle(ctx context.Context, in ChangePassword) (struct{}, error) {
	in.Current, in.New = normalizePassword(in.Current), normalizePassword(in.New)
	var errC, errU error
	if in.Current == "" {
		errC = domain.Invalid(domain.Violation("current_password", "required", "current password is required"))
	}
	u, err := h.d.Store.Users().Get(ctx, in.Principal.UserID)
	if err != nil {
		return struct{}{}, err
	}
	errP := checkNewPassword(h.d, "new_password", in.New, u.Email(), u.Username(), u.DisplayName())
	if errP == nil && in.New == in.Current {
		errU = domain.Invalid(domain.Violation("new_password", "unchanged", "the new password must differ from the current one"))
	}
	if err := refuse(in.Rejected, errC, errP, errU); err != nil {
		return struct{}{}, err
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Limits.Settings, u.ID().String()); err != nil {
		return struct{}{}, err
	}
	if err := checkBreached(ctx, h.d, "new_password", in.New); err != nil {
		return struct{}{}, err
	}
	// A stolen session must not become a way to guess the password, so checks of the current one
	// have a budget of their own per account. It is not the login lockout: whoever holds a session
	// could otherwise lock its owner out of logging in.
	if err := h.d.Guard.Check(ctx, h.d.Policy.Limits.PasswordCheck, u.ID().String()); err != nil {
		return struct{}{}, err
	}
	ok, _, err := h.d.Hasher.Verify(ctx, in.Current, u.PasswordHash())
	if err != nil {
		return struct{}{}, err
	}
	if !ok {
		return struct{}{}, account.ErrWrongPassword
	}
	hash, err := h.d.Hasher.Hash(ctx, in.New)
	if err != nil {
		return struct{}{}, err
	}
	checked := u.PasswordHash()
	return struct{}{}, h.d.Store.InTx(ctx, func(r Repos) error {
		now := h.d.Clock.Now()
		u, err := r.Users().GetForUpdate(ctx, in.Principal.UserID)
		if err != nil {
			return err
		}
		if u.PasswordHash() != checked {
			return account.ErrWrongPassword // changed meanwhile: what was checked is no longer the password
		}
		u.SetPasswordHash(hash, now)
		u.SucceedLogin(now)
		if err := r.Users().Update(ctx, u); err != nil {
			return err
		}
		n, err := r.Sessions().RevokeAll(ctx, u.ID(), in.Principal.SessionID, now)
		if err != nil {
			return err
		}
		// A new password ends every other credential: whoever stole a session may have made tokens.
		tokens, err := r.Sessions().DeleteAccessTokens(ctx, u.ID())
		if err != nil {
			return err
		}
		return appendAudit(ctx, r, audit.New(now, u.ID(), audit.ActionPasswordChange, audit.ResourceUser, u.ID().String(), in.Meta).
			With("other_sessions_revoked", strconv.Itoa(n)).With("access_tokens_revoked", strconv.Itoa(tokens)))
	})
}
