package httpapi

import (
	"time"

	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/domain/audit"
	accountuc "github.com/companionhub/companionhub/usecase/account"
)

// Transport shapes. Domain types never go to the wire directly: these structs are the contract the
// OpenAPI document describes.

type userDTO struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toUser(u *account.User) userDTO {
	return userDTO{ID: u.ID().String(), Email: u.Email().String(), Username: u.Username().String(),
		DisplayName: u.DisplayName().String(), CreatedAt: u.CreatedAt(), UpdatedAt: u.UpdatedAt()}
}

type userEnvelope struct {
	User userDTO `json:"user"`
}

type sessionDTO struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
}

func toSession(v accountuc.SessionView) sessionDTO {
	s := v.Session
	return sessionDTO{ID: s.ID().String(), Current: v.Current, CreatedAt: s.CreatedAt(), LastSeenAt: s.LastSeenAt(),
		ExpiresAt: s.ExpiresAt(), UserAgent: s.UserAgent(), IP: s.IP()}
}

type auditDTO struct {
	ID         string            `json:"id"`
	Action     string            `json:"action"`
	Resource   string            `json:"resource"`
	ResourceID string            `json:"resource_id,omitempty"`
	Details    map[string]string `json:"details"`
	IP         string            `json:"ip"`
	UserAgent  string            `json:"user_agent"`
	At         time.Time         `json:"at"`
}

func toAudit(e audit.Event) auditDTO {
	d := e.Details
	if d == nil {
		d = map[string]string{}
	}
	return auditDTO{ID: e.ID.String(), Action: e.Action.String(), Resource: string(e.Resource), ResourceID: e.ResourceID,
		Details: d, IP: e.IP, UserAgent: e.UserAgent, At: e.At}
}

// listDTO is the shape of every keyset-paginated list.
type listDTO[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}
