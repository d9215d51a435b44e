package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
)

type auditRepo struct{ c conn }

type auditRow struct {
	ID         string   `db:"id"`
	ActorID    *string  `db:"actor_id"`
	Action     string   `db:"action"`
	Resource   string   `db:"resource"`
	ResourceID string   `db:"resource_id"`
	Details    []byte   `db:"details"`
	IP         string   `db:"ip"`
	UserAgent  string   `db:"user_agent"`
	CreatedAt  nullTime `db:"created_at"`
}

func (r auditRepo) Append(ctx context.Context, e audit.Event) error {
	details := e.Details
	if details == nil {
		details = map[string]string{}
	}
	js, err := json.Marshal(details)
	if err != nil {
		return domain.Errorf(domain.KindInternal, "encode audit details: %w", err)
	}
	_, err = r.c.exec(ctx, `INSERT INTO audit_events (id, actor_id, action, resource, resource_id, details, ip, user_agent, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID.String(), idArg(e.ActorID), e.Action.String(), string(e.Resource), e.ResourceID, string(js), e.IP, e.UserAgent, r.c.t(e.At))
	return classify(err, nil, "insert audit event")
}

func (r auditRepo) ListByActor(ctx context.Context, actor domain.ID, p domain.Page) ([]audit.Event, domain.Cursor, error) {
	query := `SELECT id, actor_id, action, resource, resource_id, details, ip, user_agent, created_at
		FROM audit_events WHERE actor_id = ?`
	args := []any{actor.String()}
	if !p.After.IsZero() {
		query += ` AND (created_at < ? OR (created_at = ? AND id < ?))`
		args = append(args, r.c.t(p.After.At), r.c.t(p.After.At), p.After.ID.String())
	}
	query += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, p.Limit+1)
	var rows []auditRow
	if err := r.c.sel(ctx, &rows, query, args...); err != nil {
		return nil, domain.Cursor{}, classify(err, nil, "list audit events")
	}
	events := make([]audit.Event, 0, len(rows))
	for _, row := range rows {
		e, err := row.event()
		if err != nil {
			return nil, domain.Cursor{}, err
		}
		events = append(events, e)
	}
	page, next := domain.Paginate(events, p, func(e audit.Event) domain.Cursor { return domain.Cursor{At: e.At, ID: e.ID} })
	return page, next, nil
}

func (row auditRow) event() (audit.Event, error) {
	id, err := parseID(row.ID)
	if err != nil {
		return audit.Event{}, err
	}
	var actor domain.ID
	if row.ActorID != nil {
		if actor, err = parseID(*row.ActorID); err != nil {
			return audit.Event{}, err
		}
	}
	action, err := audit.ParseAction(row.Action)
	if err != nil {
		return audit.Event{}, err
	}
	var details map[string]string
	if err := json.Unmarshal(row.Details, &details); err != nil {
		return audit.Event{}, domain.Errorf(domain.KindInternal, "decode audit details: %w", err)
	}
	return audit.Event{ID: id, ActorID: actor, Action: action, Resource: audit.Resource(row.Resource),
		ResourceID: row.ResourceID, Details: details, IP: row.IP, UserAgent: row.UserAgent, At: row.CreatedAt.Time}, nil
}
