package chat

import "github.com/companionhub/companionhub/domain"

// EventType names a turn event on the stream (SPEC §3.3, DESIGN §2).
type EventType string

const (
	EventToken    EventType = "token"    // {"text"}: the next piece of the reply
	EventProgress EventType = "progress" // {"status","progress"}
	EventState    EventType = "state"    // {"scene"}: the companion's scene after the reply
	EventImage    EventType = "image"    // {"url",…} or {"error"}
	EventAudio    EventType = "audio"    // {"url",…} or {"error"}
	EventReset    EventType = "reset"    // {"attempt"}: drop the reply text received so far
	EventComplete EventType = "complete" // {"message_id","text"}: the saved reply
	EventError    EventType = "error"    // {"code","message"}: the turn failed or was cancelled
)

// Terminal reports whether no event follows this one.
func (t EventType) Terminal() bool { return t == EventComplete || t == EventError }

// Event is one entry of a turn's stream. Seq starts at 1 and increases by one per turn; Attempt
// is the reply attempt the event belongs to (a retried reply starts with a reset).
type Event struct {
	TurnID  domain.ID
	Seq     int64
	Attempt int
	Type    EventType
	// Data is the event's JSON object.
	Data []byte
}
