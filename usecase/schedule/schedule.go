// Package schedule is the port behind scheduled messages (SPEC "Schedule"): "run this instruction
// for this companion on this cron, in this time zone". It holds the schedule's specification and
// its rules (Spec, Next), what a firing carries (Firing) and the two ports of the feature:
//
//   - Scheduler, which keeps schedules and calls a Handler at each firing. Implementations:
//     adapter/temporalwf (Temporal Schedules) and adapter/local (an in-process poller over a
//     Store shared by every replica). Conformance: test/contract/schedulertest.
//   - Store, the shared table the in-process scheduler claims firings in, so that replicas never
//     fire one occurrence twice. Implementation: adapter/sqlstore.
//
// The schedule as people see it (presets, runs, API) is not here: it is built on this port.
package schedule

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Firing is one occurrence of a schedule, handed to the Handler.
type Firing struct {
	ScheduleID  domain.ID
	OwnerID     domain.ID
	CompanionID domain.ID
	Instruction string
	// Due is the occurrence this firing is for (UTC): the cron time that came, or the time a
	// manual trigger was taken. A firing delayed by an outage carries the oldest missed
	// occurrence. (ScheduleID, Due) identifies a firing, so a Handler can make itself idempotent
	// on it.
	Due time.Time
}

// Handler is what runs at each firing (a later issue: start a chat turn). Its error is logged by
// the scheduler; retryable kinds may be retried (Temporal retries them a few times, the
// in-process scheduler does not), so a Handler should be idempotent on (ScheduleID, Due).
type Handler func(ctx context.Context, f Firing) error

// Scheduler keeps schedules and fires them: at each occurrence of an enabled schedule's cron, in
// its time zone, the Handler it was built with is called once with the schedule's Firing.
// Occurrences missed while nothing could fire (every replica or the Temporal server down) are
// not replayed one by one: the schedule fires once when firing resumes. Disabled schedules are
// kept and never fire.
type Scheduler interface {
	// Put creates the schedule, or replaces the one with the same ID (its cron, zone,
	// instruction, companion and enabled flag). Putting the same spec again changes nothing.
	// Errors: KindInvalid (field violations) for a spec Validate refuses; KindUnavailable when
	// the backing store or server cannot be reached.
	Put(ctx context.Context, s Spec) error
	// Delete removes the schedule; it never fires again. Deleting an absent schedule is not an
	// error. Errors: KindUnavailable when the backing store or server cannot be reached.
	Delete(ctx context.Context, id domain.ID) error
}

// Due is a schedule whose next run has come, as a Store lists it.
type Due struct {
	Spec Spec
	// NextRun is the occurrence that is due.
	NextRun time.Time
	// Revision changes with every Put, so that a claim made on what an older Put stored fails.
	Revision int64
}

// Store keeps the schedules of an in-process Scheduler and their next runs, shared by every
// replica. Claim is the whole of the never-fire-twice rule: it moves a schedule's next run
// forward only if nobody did since it was listed, in one atomic step, and only the replica whose
// claim moved it fires. Implementation: adapter/sqlstore.
//
// Errors: KindUnavailable when the database cannot be reached; KindInternal otherwise.
type Store interface {
	// Put creates or replaces the schedule at now with next as its next run, and a new
	// revision. next is zero for a disabled schedule (it is never due). Replacing a schedule
	// with the same cron, zone and enabled flag keeps the next run it has (so putting it again
	// does not skip a due occurrence), whatever next says.
	Put(ctx context.Context, s Spec, next, now time.Time) error
	// Delete removes the schedule (absent is fine).
	Delete(ctx context.Context, id domain.ID) error
	// Due lists at most limit enabled schedules whose next run is at or before now, the most
	// overdue first.
	Due(ctx context.Context, now time.Time, limit int) ([]Due, error)
	// Claim moves d's schedule from d.NextRun to next, recording a run at now, if it still is
	// as d says (same revision and next run). It reports whether this call moved it: the caller
	// fires then, and only then.
	Claim(ctx context.Context, d Due, next, now time.Time) (bool, error)
}
