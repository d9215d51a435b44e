package chat

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/room"
)

// RoomRepository is a room's conversation as turns see it (usecase/room keeps the rest of a room):
// its messages, its companions' scenes in it, and its turns. Implementation: adapter/sqlstore;
// conformance: test/contract/roomstoretest.
type RoomRepository interface {
	// Lock takes the room's lock until the transaction ends, so that what is decided under it holds;
	// KindNotFound when the room is gone.
	Lock(ctx context.Context, roomID domain.ID) error
	// Cast is who is in the room: its settings, people and the companions there to use, in order,
	// with their scenes in the room; KindNotFound when the room is gone.
	Cast(ctx context.Context, roomID domain.ID) (RoomCast, error)
	// CreateMessage stores a room message, with the Idempotency-Key of the request that made it (none
	// when key.Key is empty); ErrDuplicateMessage when its author used the key before.
	CreateMessage(ctx context.Context, m chat.Message, key Idempotency) error
	// ByIdempotencyKey is the author's room message made with key, and what was kept of the key;
	// KindNotFound when none.
	ByIdempotencyKey(ctx context.Context, author domain.ID, key string) (chat.Message, Idempotency, error)
	// ReleaseIdempotencyKey takes the author's key from the message that holds it if that message was
	// made before before, so that the key can be used again; otherwise it changes nothing.
	ReleaseIdempotencyKey(ctx context.Context, author domain.ID, key string, before time.Time) error
	// Message is a message of the room; chat.ErrMessageNotFound when there is no such message there.
	Message(ctx context.Context, roomID, id domain.ID) (chat.Message, error)
	// MessageByTurn is the reply a room turn wrote; KindNotFound when it wrote none (yet).
	MessageByTurn(ctx context.Context, turnID domain.ID) (chat.Message, error)
	// Recent returns up to limit of the room's messages created before before (zero: now), newest
	// first.
	Recent(ctx context.Context, roomID domain.ID, before domain.Cursor, limit int) ([]chat.Message, error)
	// History is a page of the room's messages, newest first.
	History(ctx context.Context, roomID domain.ID, p domain.Page) ([]chat.Message, domain.Cursor, error)
	// SetImage attaches a picture (the gallery's pictureID) to a room message; SetAudio its voice.
	// KindNotFound when there is no such message.
	SetImage(ctx context.Context, id, pictureID domain.ID, img media.Image) error
	SetAudio(ctx context.Context, id domain.ID, key media.Key) error
	// SetScene keeps a companion's scene in the room.
	SetScene(ctx context.Context, roomID, companionID domain.ID, s companion.Scene) error
	// Turns are the room's newest turns, newest first, at most limit.
	Turns(ctx context.Context, roomID domain.ID, limit int) ([]chat.Turn, error)
}

// RoomCast is who is in a room, as its turns see it.
type RoomCast struct {
	Room   room.Room
	People []room.Person
	Seats  []RoomSeat
}

// RoomSeat is a companion in a room: its place, whose it is, and its scene there (nil: it has not
// spoken there yet, and starts from its profile's starting scene).
type RoomSeat struct {
	room.Companion
	OwnerID domain.ID
	Scene   *companion.Scene
}

// Seat is the companion's seat in the cast; false when it is not in the room (or no longer there to
// use).
func (c RoomCast) Seat(companionID domain.ID) (RoomSeat, bool) {
	for _, s := range c.Seats {
		if s.CompanionID == companionID {
			return s, true
		}
	}
	return RoomSeat{}, false
}

// ErrDuplicateMessage is returned by RoomRepository.CreateMessage when the idempotency key was used
// before.
var ErrDuplicateMessage = domain.E(domain.KindConflict, "duplicate_message", "a message with this idempotency key exists")
