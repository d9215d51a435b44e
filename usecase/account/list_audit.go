package account

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
)

// ListAudit lists the caller's own audit events, newest first.
type ListAudit struct {
	UserID domain.ID
	Page   domain.Page
}

// AuditPage is one page of events and the cursor of the next (zero at the end).
type AuditPage struct {
	Events []audit.Event
	Next   domain.Cursor
}

type listAuditHandler struct{ d Deps }

func (h listAuditHandler) Handle(ctx context.Context, in ListAudit) (AuditPage, error) {
	events, next, err := h.d.Store.Audit().ListByActor(ctx, in.UserID, in.Page)
	return AuditPage{Events: events, Next: next}, err
}
