package chat

import (
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"time"
)

// EventType names a turn event on the stream (SPEC §3.3, DESIGN §2).
type EventType string

const (
	EventToken    EventType = "token"    // Token: the next piece of the reply
	EventProgress EventType = "progress" // Progress: where the turn is
	EventState    EventType = "state"    // StateChange: the companion's scene after the reply
	EventImage    EventType = "image"    // Picture: the reply's picture, or why there is none
	EventAudio    EventType = "audio"    // Voice: the reply spoken, or why it is not
	EventReset    EventType = "reset"    // Reset: drop the reply text received so far
	EventComplete EventType = "complete" // Completion: the saved reply
	EventError    EventType = "error"    // Failure: the turn failed or was cancelled

	// A room's own stream (group chat) tells what is said in it and who begins to answer; each
	// answer's events are its turn's.
	EventMessage EventType = "message" // RoomMessage: a message said in the room
	EventSpeaker EventType = "turn"    // Speaker: a companion begins to answer
	EventRoom    EventType = "room"    // RoomChanged: its people, companions or settings changed
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
	// Data is the event's payload as it travels and is stored: one JSON object (its form is the
	// API's, written in one place outside the model).
	Data []byte
}

// Payload is what one event says. Each event type has its own; how it is written down (JSON on
// the stream and in the API) is a transport's business, not the model's.
type Payload interface {
	EventType() EventType
}

// Token is a piece of the reply as it is written.
type Token struct{ Text string }

// Reset tells followers that the reply starts over: attempt Attempt is writing it afresh.
type Reset struct{ Attempt int }

// StateChange is the companion's scene after the reply MessageID.
type StateChange struct {
	MessageID domain.ID
	Scene     companion.Scene
}

// Picture is the picture attached to the reply MessageID, or, with Failure set, why it has none.
type Picture struct {
	MessageID domain.ID
	PictureID domain.ID // its entry in the gallery
	Image     media.Image
	Failure   *Failure
}

// Voice is the spoken reply MessageID, or, with Failure set, why it is not spoken.
type Voice struct {
	MessageID domain.ID
	Audio     media.Key
	// ContentType and Duration say what the audio is and how long it plays (0: the backend did
	// not say).
	ContentType media.ContentType
	Duration    time.Duration
	Failure     *Failure
}

// Completion is the saved reply. TextOmitted says the reply was too long to repeat in one event:
// followers have it from the token events, and the message holds it.
type Completion struct {
	MessageID   domain.ID
	Text        string
	TextOmitted bool
}

// Failure says, in client-safe words, why something did not happen: as an event, why a turn
// failed or was cancelled; inside Picture and Voice, why a side step gave up.
type Failure struct {
	Code    string
	Message string
}

// RoomMessage is a message said in a room: a person's, or a companion's saved reply. TextOmitted
// says its text was too long to carry in one event: followers read it from the room's messages.
type RoomMessage struct {
	Message     Message
	TextOmitted bool
}

// Speaker says that the companion CompanionID (Name) begins to answer in a room, with turn TurnID,
// the message ReplyTo.
type Speaker struct {
	TurnID      domain.ID
	CompanionID domain.ID
	Name        string
	ReplyTo     domain.ID
}

// RoomChanged says that a room's people, companions, settings or title changed: read it again.
type RoomChanged struct{}

func (RoomChanged) EventType() EventType { return EventRoom }
func (RoomMessage) EventType() EventType { return EventMessage }
func (Speaker) EventType() EventType     { return EventSpeaker }
func (Token) EventType() EventType       { return EventToken }
func (Progress) EventType() EventType    { return EventProgress }
func (Reset) EventType() EventType       { return EventReset }
func (StateChange) EventType() EventType { return EventState }
func (Picture) EventType() EventType     { return EventImage }
func (Voice) EventType() EventType       { return EventAudio }
func (Completion) EventType() EventType  { return EventComplete }
func (Failure) EventType() EventType     { return EventError }
