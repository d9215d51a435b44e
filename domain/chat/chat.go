// Package chat models conversations: the messages exchanged with a companion and the turns that
// produce replies.
package chat

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
)

// Role says who wrote a message.
type Role struct{ s string }

var (
	RoleUser      = Role{"user"}
	RoleAssistant = Role{"assistant"}
	// RoleSystemEvent marks what happened rather than what was said (a scheduled nudge, a wipe).
	RoleSystemEvent = Role{"system_event"}
)

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range []Role{RoleUser, RoleAssistant, RoleSystemEvent} {
		if r.s == s {
			return r, nil
		}
	}
	return Role{}, domain.Errorf(domain.KindInternal, "unknown message role %q", s)
}

func (r Role) String() string { return r.s }

// Bounds of message text: what a person types, and what a reply may grow to.
const (
	MaxUserText  = 4000
	MaxReplyText = 32000
)

// ErrMessageNotFound answers lookups of absent or foreign messages alike.
var ErrMessageNotFound = domain.E(domain.KindNotFound, "message_not_found", "message not found")

// NewUserText validates what a person sends: 1–4000 characters of valid UTF-8, trimmed.
func NewUserText(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", domain.Invalid(domain.Violation(field, "required", "the message is empty"))
	case !utf8.ValidString(s):
		return "", domain.Invalid(domain.Violation(field, "format", "the message must be valid UTF-8"))
	case utf8.RuneCountInString(s) > MaxUserText:
		return "", domain.Invalid(domain.Violation(field, "too_long", "the message must be at most 4000 characters"))
	}
	return s, nil
}

// Message is one entry of a conversation. An assistant message answers the user message ReplyTo;
// regenerating adds alternatives to the same user message, of which exactly one is selected.
type Message struct {
	ID domain.ID
	// CompanionID is the companion whose conversation it is; in a room, the companion that wrote a
	// reply (zero for a person's message).
	CompanionID domain.ID
	// RoomID is the room of a message said in one (zero in a companion's own chat); AuthorID is the
	// person who wrote a user message there, and Author the name it was written under (a person's
	// or a companion's, as it was then).
	RoomID   domain.ID
	AuthorID domain.ID
	Author   string
	Role     Role
	Text     string
	// ReplyTo is the user message an assistant message answers (zero otherwise).
	ReplyTo domain.ID
	// TurnID is the turn that produced an assistant message (zero otherwise).
	TurnID domain.ID
	// Selected says which alternative of a reply is shown; user messages are always selected.
	Selected bool
	// Scene is the companion's scene after this reply — restored when the reply is selected again.
	Scene *companion.Scene
	// Image is the reply's picture, PictureID its entry in the owner's gallery; PictureRemoved says
	// the owner deleted the picture the message showed.
	Image          media.Image
	PictureID      domain.ID
	PictureRemoved bool
	AudioKey       media.Key
	// Hidden messages take part in the conversation but are not shown (a scheduled instruction).
	Hidden    bool
	CreatedAt time.Time
	EditedAt  time.Time
}
