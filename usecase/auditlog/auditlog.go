// Package auditlog is the port of the audit trail every area writes to: events appended in the same
// transaction as the change they record, and listed back to their actor.
package auditlog

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
)

// Repository appends and lists audit events. Implementations: adapter/sqlstore (inside each area's
// transactions); conformance: test/contract/accountstoretest.
type Repository interface {
	Append(ctx context.Context, e audit.Event) error
	// ListByActor lists the actor's events newest first.
	ListByActor(ctx context.Context, actor domain.ID, p domain.Page) ([]audit.Event, domain.Cursor, error)
}
