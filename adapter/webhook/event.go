package webhook

import (
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// wireEvent is the body of a delivery (see the package documentation).
type wireEvent struct {
	Type       string        `json:"type"`
	ID         string        `json:"id"`
	At         string        `json:"at"`
	User       wireUser      `json:"user"`
	Companion  wireCompanion `json:"companion"`
	ScheduleID string        `json:"schedule_id"`
	TurnID     string        `json:"turn_id"`
	Due        string        `json:"due"`
	Title      string        `json:"title"`
	Body       string        `json:"body"`
	URL        string        `json:"url"`
}

type wireUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

type wireCompanion struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func event(n proactive.Notification) wireEvent {
	return wireEvent{
		Type:       EventType,
		ID:         id(n.ID),
		At:         timestamp(n.At),
		User:       wireUser{ID: id(n.UserID), Username: n.Username},
		Companion:  wireCompanion{ID: id(n.CompanionID), Name: n.CompanionName},
		ScheduleID: id(n.ScheduleID),
		TurnID:     id(n.TurnID),
		Due:        timestamp(n.Due),
		Title:      n.Title,
		Body:       n.Body,
		URL:        n.URL,
	}
}

// id is "" for an id the notification does not have.
func id(v domain.ID) string {
	if v.IsZero() {
		return ""
	}
	return v.String()
}

// timestamp is RFC 3339 in UTC, "" for a time the notification does not have.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
