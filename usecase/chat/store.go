package chat

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/media"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// Store is the persistence port of chat. Implementation: adapter/sqlstore; conformance:
// test/contract/chatstoretest.
type Store interface {
	Repos
	// InTx runs fn in a transaction: committed if fn returns nil; if fn returns an error, rolled
	// back (nothing fn wrote is kept) and the error returned.
	InTx(ctx context.Context, fn func(Repos) error) error
}

// Repos are the repositories a turn changes together.
type Repos interface {
	Messages() MessageRepository
	Turns() TurnRepository
	Companions() companionuc.Repository
	People() PeopleRepository
	// Rooms are the rooms' conversations (group chat).
	Rooms() RoomRepository
}

// HistoryItem is a shown message and, for a reply, where it stands among its alternatives.
type HistoryItem struct {
	Message      chat.Message
	Alternatives int // replies to the same user message (1 when there is only this one)
	Index        int // 1-based position of this one among them, oldest first
}

// MessageRepository stores messages. Lookups scoped by owner answer KindNotFound
// (chat.ErrMessageNotFound) for messages of other people's companions.
type MessageRepository interface {
	Create(ctx context.Context, m chat.Message) error
	Get(ctx context.Context, owner, id domain.ID) (chat.Message, error)
	// ByTurn returns the reply a turn wrote; KindNotFound if it wrote none (yet).
	ByTurn(ctx context.Context, turnID domain.ID) (chat.Message, error)
	// History lists the companion's shown messages (user messages and selected replies, hidden ones
	// excluded) newest first.
	History(ctx context.Context, companionID domain.ID, p domain.Page) ([]HistoryItem, domain.Cursor, error)
	// Recent returns up to limit of the companion's selected messages (hidden ones included: they
	// are part of the conversation) created before before (zero: now), newest first.
	Recent(ctx context.Context, companionID domain.ID, before domain.Cursor, limit int) ([]chat.Message, error)
	// Alternatives lists the replies to a user message, oldest first.
	Alternatives(ctx context.Context, replyTo domain.ID) ([]chat.Message, error)
	// Select makes id the shown alternative among the replies to its user message.
	Select(ctx context.Context, replyTo, id domain.ID) error
	// UpdateText saves an edited text.
	UpdateText(ctx context.Context, id domain.ID, text string, at time.Time) error
	// SetImage attaches a picture (the gallery's pictureID) to a message; SetAudio its voice.
	SetImage(ctx context.Context, id, pictureID domain.ID, img media.Image) error
	SetAudio(ctx context.Context, id domain.ID, key media.Key) error
	// Delete removes a message (and, for a user message, its replies).
	Delete(ctx context.Context, id domain.ID) error
	// Latest returns the companion's newest shown message; KindNotFound when there is none.
	Latest(ctx context.Context, companionID domain.ID) (chat.Message, error)
}

// TurnRepository stores turns. It persists what the turn's methods decided; the conditions it
// writes under (an ended turn is never changed, a saved reply is never unset) are how replicas
// holding stale copies of one turn cannot undo each other.
type TurnRepository interface {
	// Create stores a new turn, with the Idempotency-Key of the request that made it (none when
	// key.Key is empty). If the owner already has a turn with the same key it returns
	// ErrDuplicateTurn (wrapping nothing else).
	Create(ctx context.Context, t chat.Turn, key Idempotency) error
	// ByIdempotencyKey returns the owner's turn with that key and what was kept of the key;
	// KindNotFound if none.
	ByIdempotencyKey(ctx context.Context, owner domain.ID, key string) (chat.Turn, Idempotency, error)
	// ReleaseIdempotencyKey takes the owner's key from the turn that holds it if that turn was made
	// before before, so that the key can make a new turn; otherwise it changes nothing.
	ReleaseIdempotencyKey(ctx context.Context, owner domain.ID, key string, before time.Time) error
	// Get returns the owner's turn; KindNotFound (chat.ErrTurnNotFound) otherwise.
	Get(ctx context.Context, owner, id domain.ID) (chat.Turn, error)
	// Load returns a turn whoever owns it (for the pipeline, which acts for the owner).
	Load(ctx context.Context, id domain.ID) (chat.Turn, error)
	// Update saves the status, progress, failure and reply of a turn that has not ended; an ended
	// turn is never changed again (chat.ErrTurnEnded), so whoever records an outcome first wins. A
	// turn whose reply was saved cannot be stored failed or cancelled (chat.ErrTurnHasReply).
	Update(ctx context.Context, t chat.Turn) error
	// SaveDraft keeps the reply that attempt of an unfinished turn's reply step wrote, until the
	// persist step saves it as a message: the reply travels between steps by the turn's id, never
	// through a workflow's history. A draft of the same or a later attempt replaces it; an earlier
	// attempt's (one still running after its retry began) does not: ErrDraftSuperseded. An ended
	// turn keeps none: chat.ErrTurnEnded.
	SaveDraft(ctx context.Context, id domain.ID, attempt int, text string) error
	// ClearDraft drops the turn's draft once it was saved, still refusing earlier attempts' drafts.
	ClearDraft(ctx context.Context, id domain.ID) error
	// Draft returns the reply SaveDraft kept for the turn; KindNotFound when there is none.
	Draft(ctx context.Context, id domain.ID) (string, error)
	// SetProgress moves an unfinished turn to p unless it is already further (a step running in
	// parallel got there first) or already at p (a retried step): progress never goes back, and
	// moved says whether this call moved it, so each progress is told once. chat.ErrTurnEnded for
	// an ended turn.
	SetProgress(ctx context.Context, id domain.ID, p chat.Progress, at time.Time) (moved bool, err error)
	// Expired lists up to limit unfinished turns whose lease ended before now, soonest expired
	// first: their runner is gone.
	Expired(ctx context.Context, now time.Time, limit int) ([]chat.Turn, error)
	// Renew extends the leases of the unfinished turns among ids until until, and returns those
	// of them the person asked to stop (so that a runner learns of a cancel made on another
	// replica without asking for each turn).
	Renew(ctx context.Context, ids []domain.ID, until time.Time) (cancelled []domain.ID, err error)
	// RequestCancel marks a turn that has not ended as asked to stop (an ended turn is left as it
	// is); KindNotFound if there is no such turn.
	RequestCancel(ctx context.Context, id domain.ID) error
	// Active reports whether the companion has an unfinished turn other than except.
	Active(ctx context.Context, companionID, except domain.ID) (bool, error)
	// Current is the owner's newest unfinished turn with the companion; chat.ErrTurnNotFound when
	// every turn of theirs has ended.
	Current(ctx context.Context, owner, companionID domain.ID) (chat.Turn, error)
}

// Idempotency is the Idempotency-Key a turn was asked for with, and the fingerprint of that request
// (see IdempotencyKeyTTL): a retry brings both again, another request under the same key brings
// another fingerprint. Turns keyed before fingerprints were kept have none.
type Idempotency struct {
	Key         string
	Fingerprint string
}

// ErrDraftSuperseded refuses the reply of an attempt a later attempt already replaced.
var ErrDraftSuperseded = domain.E(domain.KindConflict, "draft_superseded", "a later attempt already wrote the reply")

// ErrDuplicateTurn is returned by TurnRepository.Create when the idempotency key was used before.
var ErrDuplicateTurn = domain.E(domain.KindConflict, "duplicate_turn", "a turn with this idempotency key exists")

// PeopleRepository tells what companions call their person.
type PeopleRepository interface {
	DisplayName(ctx context.Context, userID domain.ID) (string, error)
}
