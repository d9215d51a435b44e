package proactive

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// Reasons a run was skipped.
const (
	ReasonQuietHours       = "quiet_hours"
	ReasonDailyCap         = "daily_cap"
	ReasonCompanionTrashed = "companion_trashed"
	ReasonPaused           = "paused"
)

type fireHandler struct{ d Deps }

// Handle runs an occurrence: the companion writes first, unless a rule skips it; either way the
// occurrence is logged once. An occurrence logged before (a retried firing) does nothing again.
func (h fireHandler) Handle(ctx context.Context, f schedule.Firing) (Run, error) {
	s, err := h.d.Store.Get(ctx, domain.ID{}, f.ScheduleID)
	if errors.Is(err, ErrScheduleNotFound) {
		// Deleted since (or with its companion): nothing to do, nothing to log. A scheduler that
		// still keeps it (its Delete failed, or it was never told) is told again.
		return Run{}, h.d.Scheduler.Delete(ctx, f.ScheduleID)
	}
	if err != nil {
		return Run{}, err
	}
	now := h.d.Clock.Now()
	run := Run{ID: domain.NewID(now), ScheduleID: s.ID, OwnerID: s.OwnerID, Due: f.Due.UTC(), At: now}
	reason, c, err := h.skip(ctx, s, now)
	switch {
	case err != nil:
		return Run{}, err
	case reason != "":
		run.Outcome, run.Reason = Skipped, reason
	default:
		sent, err := h.d.Chat.WriteFirst.Handle(ctx, chatuc.WriteFirst{OwnerID: s.OwnerID, CompanionID: s.CompanionID,
			Instruction: s.EffectiveInstruction(), Key: "schedule:" + s.ID.String() + ":" + run.Due.Format(time.RFC3339)})
		switch {
		case usecase.IsQuotaExceeded(err): // the person's tokens for the day are spent: not a failure
			run.Outcome, run.Reason = Skipped, usecase.ReasonQuotaExceeded
		case err != nil:
			run.Outcome, run.Reason = Failed, reasonOf(err)
		default:
			run.Outcome, run.TurnID = Fired, sent.Turn.ID()
			// Told or not, it fired: a delivery that failed is said on the run.
			run.Reason = h.d.notify(ctx, s, c, run)
		}
	}
	if err := h.d.Store.AddRun(ctx, run); err != nil {
		// Logged before (a retried firing), or the schedule was deleted while it fired.
		if errors.Is(err, ErrRunLogged) || errors.Is(err, ErrScheduleNotFound) {
			return Run{}, nil
		}
		return Run{}, err
	}
	return run, nil
}

// skip is why the occurrence is not sent ("" when it is), with the companion.
func (h fireHandler) skip(ctx context.Context, s Schedule, now time.Time) (string, *companion.Companion, error) {
	c, err := h.d.Companions.Get.Handle(ctx, companionuc.Get{OwnerID: s.OwnerID, ID: s.CompanionID})
	if err != nil {
		return "", nil, err
	}
	if !s.Enabled {
		return ReasonPaused, c, nil
	}
	if c.Deleted() {
		return ReasonCompanionTrashed, c, nil
	}
	own, err := h.d.Store.Preferences(ctx, s.OwnerID)
	if err != nil {
		return "", nil, err
	}
	limits := h.d.Policy.limits(own)
	if loc, err := time.LoadLocation(s.TimeZone); err == nil && limits.Quiet.Contains(now.In(loc)) {
		return ReasonQuietHours, c, nil
	}
	fired, err := h.d.Store.FiredSince(ctx, s.OwnerID, now.Add(-24*time.Hour))
	if err != nil {
		return "", nil, err
	}
	if fired >= limits.DailyCap {
		return ReasonDailyCap, c, nil
	}
	return "", c, nil
}

// reasonOf is a failure's stable reason (its kind when it has none).
func reasonOf(err error) string {
	if e := domain.AsError(err); e != nil {
		if e.Reason != "" {
			return e.Reason
		}
		return e.Kind.String()
	}
	return "internal"
}
