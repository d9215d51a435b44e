package account

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
)

// ListSessions lists the caller's active sessions, marking the one making the request.
type ListSessions struct {
	Principal Principal
}

// SessionView is a session as its owner sees it.
type SessionView struct {
	Session *account.Session
	Current bool
}

type listSessionsHandler struct{ d Deps }

func (h listSessionsHandler) Handle(ctx context.Context, in ListSessions) ([]SessionView, error) {
	now := h.d.Clock.Now()
	list, err := h.d.Store.Sessions().ListByUser(ctx, in.Principal.UserID, now)
	if err != nil {
		return nil, err
	}
	out := make([]SessionView, 0, len(list))
	for _, s := range list {
		if !s.Active(now, h.d.Policy.Sessions) {
			continue // idle too long: dead, though not yet purged
		}
		out = append(out, SessionView{Session: s, Current: s.ID() == in.Principal.SessionID})
	}
	return out, nil
}

// RevokeSession signs out one of the caller's sessions (the current one too, if asked).
type RevokeSession struct {
	Principal Principal
	SessionID domain.ID
	Meta      audit.Meta
}

type revokeSessionHandler struct{ d Deps }

func (h revokeSessionHandler) Handle(ctx context.Context, in RevokeSession) (struct{}, error) {
	return struct{}{}, h.d.Store.InTx(ctx, func(r Repos) error {
		now := h.d.Clock.Now()
		if err := r.Sessions().Revoke(ctx, in.Principal.UserID, in.SessionID, now); err != nil {
			return err
		}
		ev := audit.New(now, in.Principal.UserID, audit.ActionSessionRevoke, audit.ResourceSession, in.SessionID.String(), in.Meta)
		if in.SessionID == in.Principal.SessionID {
			ev = ev.With("current", "true")
		}
		return appendAudit(ctx, r, ev)
	})
}
