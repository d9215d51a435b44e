// Package proactive is companions that write first (SPEC §3.6, schedules): a person gives a
// companion schedules — a preset (morning greeting, goodnight, …) or their own instruction, on a
// 5-field cron in an IANA time zone — and at each occurrence the companion writes to them, in a
// normal chat turn whose user side is the hidden instruction. Quiet hours and a daily cap per
// person skip occurrences; every occurrence is logged (fired, skipped and why, failed and why).
//
// The firing machinery is usecase/schedule's Scheduler port (the in-process scheduler over the
// shared table, or Temporal Schedules); this package keeps what people see and decides what a
// firing does.
package proactive

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
)

// Schedule is a person's schedule for one of their companions.
type Schedule struct {
	ID          domain.ID
	OwnerID     domain.ID
	CompanionID domain.ID
	// Preset names a ready-made instruction (Presets); "" for a custom one.
	Preset string
	// Instruction is the person's own instruction ("" with a preset).
	Instruction string
	Cron        string
	TimeZone    string
	Enabled     bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Outcome is what became of an occurrence.
type Outcome string

const (
	Fired   Outcome = "fired"   // the companion wrote (Run.TurnID)
	Skipped Outcome = "skipped" // not sent, by a rule (Run.Reason)
	Failed  Outcome = "failed"  // it could not be sent (Run.Reason)
)

// Run is one occurrence of a schedule and what became of it.
type Run struct {
	ID         domain.ID
	ScheduleID domain.ID
	OwnerID    domain.ID
	// Due is the occurrence (UTC); (ScheduleID, Due) is unique: an occurrence is logged once.
	Due     time.Time
	Outcome Outcome
	Reason  string
	TurnID  domain.ID // the turn a fired run started
	At      time.Time
}

// ErrScheduleNotFound answers lookups of absent or foreign schedules alike.
var ErrScheduleNotFound = domain.E(domain.KindNotFound, "schedule_not_found", "schedule not found")

// ErrRunLogged is a run for an occurrence already logged (a retried firing).
var ErrRunLogged = domain.E(domain.KindConflict, "run_logged", "this occurrence was already logged")

// Store keeps schedules and their runs. Implementation: adapter/sqlstore (migration 00017);
// conformance: test/contract/proactivestoretest.
type Store interface {
	// Create stores a new schedule; KindNotFound when the companion is not the owner's,
	// KindConflict when the id exists.
	Create(ctx context.Context, s Schedule) error
	// Get returns the owner's schedule; ErrScheduleNotFound otherwise. A zero owner reads anyone's
	// (the firing's).
	Get(ctx context.Context, ownerID, id domain.ID) (Schedule, error)
	// Update replaces the owner's schedule's preset, instruction, cron, zone and enabled flag, and
	// its UpdatedAt; ErrScheduleNotFound otherwise (a zero owner matches nothing, as in Delete).
	Update(ctx context.Context, s Schedule) error
	// Delete removes the owner's schedule and its runs; ErrScheduleNotFound when absent.
	Delete(ctx context.Context, ownerID, id domain.ID) error
	// ListByCompanion lists the owner's schedules of a companion, oldest first.
	ListByCompanion(ctx context.Context, ownerID, companionID domain.ID) ([]Schedule, error)
	// All lists every owner's schedules by id, at most limit, after the id after (zero: from the
	// first): what Resync hands the scheduler. KindInvalid when limit < 1.
	All(ctx context.Context, after domain.ID, limit int) ([]Schedule, error)
	// AddRun logs an occurrence; ErrRunLogged when (ScheduleID, Due) was logged before,
	// ErrScheduleNotFound when the schedule is gone (deleted while it fired) or not r.OwnerID's.
	AddRun(ctx context.Context, r Run) error
	// Runs lists a schedule's runs newest first, at most limit, before the cursor (zero: the
	// newest), and the cursor of the next page (zero at the end); KindInvalid when limit < 1.
	Runs(ctx context.Context, scheduleID domain.ID, after domain.Cursor, limit int) ([]Run, domain.Cursor, error)
	// FiredSince counts the owner's fired runs at or after since (the daily cap).
	FiredSince(ctx context.Context, ownerID domain.ID, since time.Time) (int, error)
	// SetNotifications turns a person's notifications on (at: since when) or off; KindNotFound
	// for an unknown user when turning them on.
	SetNotifications(ctx context.Context, userID domain.ID, on bool, at time.Time) error
	// NotificationsOn reports whether the person asked to be notified.
	NotificationsOn(ctx context.Context, userID domain.ID) (bool, error)
	// SetPreferences replaces the person's preferences (at: when); KindNotFound for an unknown
	// user.
	SetPreferences(ctx context.Context, userID domain.ID, p Preferences, at time.Time) error
	// Preferences reads the person's preferences (none chosen: both nil).
	Preferences(ctx context.Context, userID domain.ID) (Preferences, error)
}
