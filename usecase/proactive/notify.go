package proactive

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Notification tells a person, outside the hub, that their companion wrote to them first. It
// carries no words of the conversation: only who wrote, and where to read it.
type Notification struct {
	// ID identifies this notification: a receiver seeing it twice (a retried delivery) drops one.
	ID            domain.ID
	UserID        domain.ID
	Username      string
	CompanionID   domain.ID
	CompanionName string
	ScheduleID    domain.ID
	TurnID        domain.ID
	// Due is the occurrence that fired.
	Due time.Time
	// Title and Body are what a person reads ("Mira wrote to you", "Open the chat to read it.").
	Title string
	Body  string
	// URL is the chat to open ("" when the hub does not know its public address).
	URL string
	At  time.Time
}

// Notifier delivers notifications: an outgoing webhook, ntfy, … (adapter/webhook, adapter/ntfy;
// conformance: test/contract/notifiertest). Delivery retries what is worth retrying within ctx.
// Errors: KindUnavailable when the receiver could not be reached or kept failing; KindInvalid
// when it refused the notification (retrying would not help); KindInternal otherwise.
type Notifier interface {
	Notify(ctx context.Context, n Notification) error
}

// Addresser is a Notifier that can tell a person where their notifications go (an ntfy topic to
// subscribe to), for the account page.
type Addresser interface {
	Address(userID domain.ID, username string) string
}
