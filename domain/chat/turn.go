package chat

import (
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Status is where a turn is in the pipeline (SPEC §2).
type Status struct{ s string }

var (
	StatusQueued     = Status{"queued"}
	StatusAnalyzing  = Status{"analyzing"}
	StatusRecalling  = Status{"recalling"}
	StatusResponding = Status{"responding"}
	StatusImaging    = Status{"imaging"}
	StatusSpeaking   = Status{"speaking"}
	StatusCompleted  = Status{"completed"}
	StatusFailed     = Status{"failed"}
	StatusCancelled  = Status{"cancelled"}
	statuses         = []Status{StatusQueued, StatusAnalyzing, StatusRecalling, StatusResponding, StatusImaging,
		StatusSpeaking, StatusCompleted, StatusFailed, StatusCancelled}
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

// Options are what the person asked of a turn.
type Options struct {
	DeepThink bool // a planning step and a larger budget
	Image     bool // a picture of the scene
	Voice     bool // the reply spoken
}

// Turn is one pass of the pipeline for one user message: the reply to it, or (Regenerate) another
// alternative of it.
type Turn struct {
	ID            domain.ID
	OwnerID       domain.ID
	CompanionID   domain.ID
	UserMessageID domain.ID
	Options       Options
	Regenerate    bool
	Status        Status
	Progress      int // 0–100
	// ErrorCode and ErrorMessage say why a turn failed, in the client-safe words of its error.
	ErrorCode    string
	ErrorMessage string
	// ReplyID is the assistant message the turn wrote (zero until it did).
	ReplyID domain.ID
	// CancelRequested says the person asked the turn to stop; the process running it stops at its
	// next check, wherever it runs.
	CancelRequested bool
	// LeaseUntil is how long the turn's runner vouches for it. A runner renews the leases of the
	// turns it runs; an unfinished turn whose lease ran out lost its runner and is failed.
	LeaseUntil time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ErrTurnNotFound answers lookups of absent or foreign turns alike.
var ErrTurnNotFound = domain.E(domain.KindNotFound, "turn_not_found", "turn not found")

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
