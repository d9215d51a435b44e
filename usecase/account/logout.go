package account

import (
	"context"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
)

// Logout ends the caller's current session.
type Logout struct {
	Principal Principal
	Meta      audit.Meta
}

type logoutHandler struct{ d Deps }

func (h logoutHandler) Handle(ctx context.Context, in Logout) (struct{}, error) {
	return struct{}{}, h.d.Store.InTx(ctx, func(r Repos) error {
		now := h.d.Clock.Now()
		err := r.Sessions().Revoke(ctx, in.Principal.UserID, in.Principal.SessionID, now)
		if domain.IsKind(err, domain.KindNotFound) {
			return nil // already gone: logging out twice is not an error
		}
		if err != nil {
			return err
		}
		return appendAudit(ctx, r, audit.New(now, in.Principal.UserID, audit.ActionLogout, audit.ResourceSession,
			in.Principal.SessionID.String(), in.Meta))
	})
}

// LogoutAll ends every session of the caller, the current one included, and returns how many.
type LogoutAll struct {
	Principal Principal
	Meta      audit.Meta
}

type logoutAllHandler struct{ d Deps }

func (h logoutAllHandler) Handle(ctx context.Context, in LogoutAll) (int, error) {
	var n int
	err := h.d.Store.InTx(ctx, func(r Repos) error {
		now := h.d.Clock.Now()
		var err error
		if n, err = r.Sessions().RevokeAll(ctx, in.Principal.UserID, domain.ID{}, now); err != nil {
			return err
		}
		return appendAudit(ctx, r, audit.New(now, in.Principal.UserID, audit.ActionLogoutAll, audit.ResourceUser,
			in.Principal.UserID.String(), in.Meta).With("sessions", strconv.Itoa(n)))
	})
	return n, err
}
