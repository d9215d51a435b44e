package account

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
)

// GetMe returns the caller's own account.
type GetMe struct {
	UserID domain.ID
}

type getMeHandler struct{ d Deps }

func (h getMeHandler) Handle(ctx context.Context, in GetMe) (*account.User, error) {
	return h.d.Store.Users().Get(ctx, in.UserID)
}

// UpdateMe changes the caller's profile. Nil fields stay as they are.
type UpdateMe struct {
	UserID      domain.ID
	DisplayName *string
	Meta        audit.Meta
	// Rejected are the members a transport could not read: reported with the use case's own
	// checks, and nothing changes.
	Rejected []domain.FieldViolation
}

type updateMeHandler struct{ d Deps }

func (h updateMeHandler) Handle(ctx context.Context, in UpdateMe) (*account.User, error) {
	var name account.DisplayName
	var errN error
	if in.DisplayName != nil {
		name, errN = account.NewDisplayName(*in.DisplayName)
	}
	if err := refuse(in.Rejected, errN); err != nil {
		return nil, err
	}
	if in.DisplayName == nil {
		return h.d.Store.Users().Get(ctx, in.UserID)
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Limits.Settings, in.UserID.String()); err != nil {
		return nil, err
	}
	var u *account.User
	err := h.d.Store.InTx(ctx, func(r Repos) error {
		now := h.d.Clock.Now()
		var err error
		if u, err = r.Users().GetForUpdate(ctx, in.UserID); err != nil {
			return err
		}
		if u.DisplayName() == name {
			return nil
		}
		u.Rename(name, now)
		if err := r.Users().Update(ctx, u); err != nil {
			return err
		}
		return appendAudit(ctx, r, audit.New(now, u.ID(), audit.ActionProfileUpdate, audit.ResourceUser, u.ID().String(), in.Meta).
			With("fields", "display_name"))
	})
	return u, err
}
