package chat

import (
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Status is where a turn is in the pipeline (SPEC §2), in the order a turn goes through them:
// recalling memories, planning (DeepThink only), responding, analysing the scene the reply left,
// then imaging and speaking when asked for.
type Status struct{ s string }

var (
	StatusQueued     = Status{"queued"}
	StatusRecalling  = Status{"recalling"}
	StatusPlanning   = Status{"planning"}
	StatusResponding = Status{"responding"}
	StatusAnalyzing  = Status{"analyzing"}
	StatusImaging    = Status{"imaging"}
	StatusSpeaking   = Status{"speaking"}
	StatusCompleted  = Status{"completed"}
	StatusFailed     = Status{"failed"}
	StatusCancelled  = Status{"cancelled"}
	statuses         = []Status{StatusQueued, StatusRecalling, StatusPlanning, StatusResponding, StatusAnalyzing,
		StatusImaging, StatusSpeaking, StatusCompleted, StatusFailed, StatusCancelled}
)

// ParseStatus returns the status named s.
func ParseStatus(s string) (Status, error) {
	for _, st := range statuses {
		if st.s == s {
			return st, nil
		}
	}
	return Status{}, domain.Errorf(domain.KindInternal, "unknown turn status %q", s)
}

func (s Status) String() string { return s.s }

// Final reports whether the turn has ended.
func (s Status) Final() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled
}

// MarshalText writes the status's name ("" for the zero Status).
func (s Status) MarshalText() ([]byte, error) { return []byte(s.s), nil }

// UnmarshalText reads a status's name; "" is the zero Status.
func (s *Status) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*s = Status{}
		return nil
	}
	v, err := ParseStatus(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Progress is where an unfinished turn is: a status that is not an end, and how far, 0–100.
// Steps record it as they begin; it never goes back.
type Progress struct {
	Status  Status
	Percent int
}

// Check refuses what is not progress: an end (which carries an outcome: see Turn's methods), an
// unknown status, or a percentage outside 0–100.
func (p Progress) Check() error {
	if p.Status == (Status{}) || p.Status.Final() || p.Percent < 0 || p.Percent > 100 {
		return domain.Errorf(domain.KindInternal, "turn progress %q at %d%% is not progress", p.Status, p.Percent)
	}
	return nil
}

// Options are what the person asked of a turn.
type Options struct {
	DeepThink bool // a planning step and a larger budget
	Image     bool // a picture of the scene
	Voice     bool // the reply spoken
	// Sampling is what a client asked of the reply's generation (zero: nothing).
	Sampling Sampling
}

// Turn is one pass of the pipeline for one user message: the reply to it, or (Regenerate) another
// alternative of it. Its state changes only through its methods, which refuse what a turn cannot
// do: an ended turn never changes again, and a turn whose reply was saved can only complete.
type Turn struct {
	id              domain.ID
	ownerID         domain.ID
	companionID     domain.ID
	userMessageID   domain.ID
	roomID          domain.ID
	options         Options
	regenerate      bool
	status          Status
	progress        int
	failure         Failure
	replyID         domain.ID
	cancelRequested bool
	leaseUntil      time.Time
	createdAt       time.Time
	updatedAt       time.Time
}

// Errors of a turn's rules.
var (
	// ErrTurnNotFound answers lookups of absent or foreign turns alike.
	ErrTurnNotFound = domain.E(domain.KindNotFound, "turn_not_found", "turn not found")
	// ErrTurnEnded refuses any change to a turn that ended: whoever records an outcome first wins.
	ErrTurnEnded = domain.E(domain.KindConflict, "turn_ended", "the turn has ended")
	// ErrTurnHasReply refuses to fail or cancel a turn whose reply was saved: it completed,
	// whatever went wrong after.
	ErrTurnHasReply = domain.E(domain.KindConflict, "turn_has_reply", "the turn's reply was saved")
)

// NewTurn starts a turn for the person's message userMessage: queued, and vouched for until lease
// has passed (time for a runner to take it before it counts as lost).
func NewTurn(id, owner, companionID, userMessage domain.ID, o Options, regenerate bool, now time.Time, lease time.Duration) (Turn, error) {
	if id.IsZero() || owner.IsZero() || companionID.IsZero() || userMessage.IsZero() || lease <= 0 {
		return Turn{}, domain.Errorf(domain.KindInternal, "new turn: ids and a positive lease are required")
	}
	return Turn{id: id, ownerID: owner, companionID: companionID, userMessageID: userMessage, options: o,
		regenerate: regenerate, status: StatusQueued, leaseUntil: now.Add(lease), createdAt: now, updatedAt: now}, nil
}

// NewRoomTurn starts a turn in which companionID answers the room message message of room roomID
// (a person's, or another companion's) for owner — the person whose message began the exchange,
// for whom the turn works; otherwise as NewTurn.
func NewRoomTurn(id, owner, roomID, companionID, message domain.ID, o Options, now time.Time, lease time.Duration) (Turn, error) {
	if roomID.IsZero() {
		return Turn{}, domain.Errorf(domain.KindInternal, "new room turn: a room is required")
	}
	t, err := NewTurn(id, owner, companionID, message, o, false, now, lease)
	t.roomID = roomID
	return t, err
}

// TurnRecord is a turn as a store keeps it.
type TurnRecord struct {
	ID, OwnerID, CompanionID, UserMessageID domain.ID
	// RoomID is the room of a room turn, whose UserMessageID is a room message (zero otherwise).
	RoomID                           domain.ID
	Options                          Options
	Regenerate                       bool
	Status                           Status
	Progress                         int
	ErrorCode, ErrorMessage          string
	ReplyID                          domain.ID
	CancelRequested                  bool
	LeaseUntil, CreatedAt, UpdatedAt time.Time
}

// HydrateTurn rebuilds a turn from storage. Only repositories call it: what they stored went
// through the methods below, so it is checked for consistency, not re-validated as input.
func HydrateTurn(r TurnRecord) (Turn, error) {
	t := Turn{id: r.ID, ownerID: r.OwnerID, companionID: r.CompanionID, userMessageID: r.UserMessageID, roomID: r.RoomID,
		options: r.Options, regenerate: r.Regenerate, status: r.Status, progress: r.Progress,
		failure: Failure{Code: r.ErrorCode, Message: r.ErrorMessage}, replyID: r.ReplyID,
		cancelRequested: r.CancelRequested, leaseUntil: r.LeaseUntil, createdAt: r.CreatedAt, updatedAt: r.UpdatedAt}
	switch {
	case r.ID.IsZero() || r.Status == (Status{}) || r.Progress < 0 || r.Progress > 100:
		return Turn{}, domain.Errorf(domain.KindInternal, "turn %s: stored status %q at %d%% is not a turn", r.ID, r.Status, r.Progress)
	case r.Status == StatusCompleted && r.ReplyID.IsZero():
		return Turn{}, domain.Errorf(domain.KindInternal, "turn %s: completed without a reply", r.ID)
	}
	return t, nil
}

// Record is the turn as a store keeps it.
func (t Turn) Record() TurnRecord {
	return TurnRecord{ID: t.id, OwnerID: t.ownerID, CompanionID: t.companionID, UserMessageID: t.userMessageID, RoomID: t.roomID,
		Options: t.options, Regenerate: t.regenerate, Status: t.status, Progress: t.progress,
		ErrorCode: t.failure.Code, ErrorMessage: t.failure.Message, ReplyID: t.replyID,
		CancelRequested: t.cancelRequested, LeaseUntil: t.leaseUntil, CreatedAt: t.createdAt, UpdatedAt: t.updatedAt}
}

func (t Turn) ID() domain.ID            { return t.id }
func (t Turn) OwnerID() domain.ID       { return t.ownerID }
func (t Turn) CompanionID() domain.ID   { return t.companionID }
func (t Turn) UserMessageID() domain.ID { return t.userMessageID }

// RoomID is the room a room turn answers in (zero for a turn of a companion's own chat); its
// UserMessageID is then the room message it answers.
func (t Turn) RoomID() domain.ID { return t.roomID }
func (t Turn) Options() Options  { return t.options }
func (t Turn) Regenerate() bool  { return t.regenerate }
func (t Turn) Status() Status    { return t.status }
func (t Turn) Progress() int     { return t.progress }
func (t Turn) Ended() bool       { return t.status.Final() }

// Failure says why a turn failed or was cancelled (zero otherwise).
func (t Turn) Failure() Failure { return t.failure }

// ReplyID is the assistant message the turn wrote (zero until it did).
func (t Turn) ReplyID() domain.ID { return t.replyID }

// CancelRequested says the person asked the turn to stop; the process running it stops at its
// next check, wherever it runs.
func (t Turn) CancelRequested() bool { return t.cancelRequested }

// LeaseUntil is how long the turn's runner vouches for it. A runner renews the leases of the turns
// it runs; an unfinished turn whose lease ran out lost its runner and is finished by a reaper.
func (t Turn) LeaseUntil() time.Time { return t.leaseUntil }
func (t Turn) CreatedAt() time.Time  { return t.createdAt }
func (t Turn) UpdatedAt() time.Time  { return t.updatedAt }

// SaveReply records the reply the turn wrote. A turn writes one reply: saving another is refused.
func (t *Turn) SaveReply(reply domain.ID, now time.Time) error {
	switch {
	case t.Ended():
		return ErrTurnEnded
	case reply.IsZero():
		return domain.Errorf(domain.KindInternal, "turn %s: save a reply without an id", t.id)
	case !t.replyID.IsZero() && t.replyID != reply:
		return domain.Errorf(domain.KindConflict, "turn %s already saved reply %s", t.id, t.replyID)
	}
	t.replyID, t.updatedAt = reply, now
	return nil
}

// Complete ends the turn with its reply: the one it saved, or else reply.
func (t *Turn) Complete(reply domain.ID, now time.Time) error {
	if t.Ended() {
		return ErrTurnEnded
	}
	if t.replyID.IsZero() {
		if reply.IsZero() {
			return domain.Errorf(domain.KindInternal, "turn %s: completed without a reply", t.id)
		}
		t.replyID = reply
	}
	t.status, t.progress, t.failure, t.updatedAt = StatusCompleted, 100, Failure{}, now
	return nil
}

// Fail ends the turn as failed, saying why; Cancel ends it as cancelled. Neither can end a turn
// whose reply was saved (ErrTurnHasReply): it completes instead.
func (t *Turn) Fail(why Failure, now time.Time) error { return t.stop(StatusFailed, why, now) }

// Cancel ends the turn as cancelled (see Fail).
func (t *Turn) Cancel(why Failure, now time.Time) error { return t.stop(StatusCancelled, why, now) }

func (t *Turn) stop(s Status, why Failure, now time.Time) error {
	switch {
	case t.Ended():
		return ErrTurnEnded
	case !t.replyID.IsZero():
		return ErrTurnHasReply
	}
	t.status, t.failure, t.updatedAt = s, why, now
	return nil
}

// RequestCancel marks the turn as asked to stop; an ended turn is left as it is.
func (t *Turn) RequestCancel() {
	if !t.Ended() {
		t.cancelRequested = true
	}
}
