package proactive

import (
	"context"
	"strings"

	"github.com/companionhub/companionhub/domain"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// Create gives the owner's companion a schedule: a preset (its cron unless one is given) or an
// instruction of the person's own (or both: the preset with a personal touch), a 5-field cron
// and an IANA time zone (UTC when none is given). Enabled is true unless said otherwise.
type Create struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Preset      string
	Instruction string
	Cron        string
	TimeZone    string
	Enabled     *bool
}

type createHandler struct{ d Deps }

func (h createHandler) Handle(ctx context.Context, in Create) (Listed, error) {
	c, err := h.d.Companions.Get.Handle(ctx, companionuc.Get{OwnerID: in.OwnerID, ID: in.CompanionID})
	if err != nil {
		return Listed{}, err
	}
	if err := c.Writable(); err != nil {
		return Listed{}, err
	}
	now := h.d.Clock.Now()
	s := Schedule{ID: domain.NewID(now), OwnerID: in.OwnerID, CompanionID: in.CompanionID, Preset: strings.TrimSpace(in.Preset),
		Instruction: strings.TrimSpace(in.Instruction), Cron: strings.TrimSpace(in.Cron), TimeZone: strings.TrimSpace(in.TimeZone),
		Enabled: in.Enabled == nil || *in.Enabled, CreatedAt: now, UpdatedAt: now}
	if p, ok := PresetNamed(s.Preset); ok && s.Cron == "" {
		s.Cron = p.Cron
	}
	if s.TimeZone == "" {
		s.TimeZone = "UTC"
	}
	if err := validate(s); err != nil {
		return Listed{}, err
	}
	existing, err := h.d.Store.ListByCompanion(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return Listed{}, err
	}
	if len(existing) >= h.d.Policy.MaxPerCompanion {
		return Listed{}, domain.E(domain.KindConflict, "too_many_schedules", "a companion has at most 10 schedules")
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Change, in.OwnerID.String()); err != nil {
		return Listed{}, err
	}
	if err := h.d.Store.Create(ctx, s); err != nil {
		return Listed{}, err
	}
	if err := h.d.Scheduler.Put(ctx, s.spec()); err != nil {
		// Not scheduled: take it back rather than keep a schedule that never fires.
		return Listed{}, joinErr(err, h.d.Store.Delete(context.WithoutCancel(ctx), in.OwnerID, s.ID))
	}
	return Listed{Schedule: s, NextRuns: nextRuns(s, now)}, nil
}

// validate checks a schedule whole, every field at once, under the API's names.
func validate(s Schedule) error {
	var bad []domain.FieldViolation
	if s.Preset != "" {
		if _, ok := PresetNamed(s.Preset); !ok {
			bad = append(bad, domain.Violation("preset", "one_of", "preset must be one of "+presetNames()))
		}
	}
	if s.Preset == "" && s.Instruction == "" {
		bad = append(bad, domain.Violation("instruction", "required", "give a preset or an instruction of your own"))
	}
	for _, v := range domain.Violations(s.spec().Validate()) {
		switch v.Field {
		case "time_zone":
			v.Field = "timezone"
		case "instruction":
			if s.Preset == "" && s.Instruction == "" {
				continue // said above
			}
		case "id", "owner_id", "companion_id":
			continue
		}
		bad = append(bad, v)
	}
	if len(bad) > 0 {
		return domain.Invalid(bad...)
	}
	return nil
}

func presetNames() string {
	names := make([]string, 0, len(Presets))
	for _, p := range Presets {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// Update changes a schedule: the fields given (nil: as it is). Pausing is Enabled false.
type Update struct {
	OwnerID     domain.ID
	ID          domain.ID
	Preset      *string
	Instruction *string
	Cron        *string
	TimeZone    *string
	Enabled     *bool
}

type updateHandler struct{ d Deps }

func (h updateHandler) Handle(ctx context.Context, in Update) (Listed, error) {
	old, err := h.d.own(ctx, in.OwnerID, in.ID)
	if err != nil {
		return Listed{}, err
	}
	s := old
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&s.Preset, in.Preset)
	set(&s.Instruction, in.Instruction)
	set(&s.Cron, in.Cron)
	set(&s.TimeZone, in.TimeZone)
	if in.Enabled != nil {
		s.Enabled = *in.Enabled
	}
	if err := validate(s); err != nil {
		return Listed{}, err
	}
	if err := h.d.Guard.Check(ctx, h.d.Policy.Change, in.OwnerID.String()); err != nil {
		return Listed{}, err
	}
	s.UpdatedAt = h.d.Clock.Now()
	if err := h.d.Store.Update(ctx, s); err != nil {
		return Listed{}, err
	}
	if err := h.d.Scheduler.Put(ctx, s.spec()); err != nil {
		return Listed{}, joinErr(err, h.d.Store.Update(context.WithoutCancel(ctx), old)) // as it was
	}
	return Listed{Schedule: s, NextRuns: nextRuns(s, s.UpdatedAt)}, nil
}

// Delete removes a schedule and its runs; it never fires again.
type Delete struct {
	OwnerID domain.ID
	ID      domain.ID
}

type deleteHandler struct{ d Deps }

func (h deleteHandler) Handle(ctx context.Context, in Delete) (struct{}, error) {
	if _, err := h.d.own(ctx, in.OwnerID, in.ID); err != nil {
		return struct{}{}, err
	}
	if err := h.d.Scheduler.Delete(ctx, in.ID); err != nil {
		return struct{}{}, err
	}
	return struct{}{}, h.d.Store.Delete(ctx, in.OwnerID, in.ID)
}

// List is the owner's schedules of a companion, oldest first, with their next occurrences.
type List struct {
	OwnerID     domain.ID
	CompanionID domain.ID
}

type listHandler struct{ d Deps }

func (h listHandler) Handle(ctx context.Context, in List) ([]Listed, error) {
	if _, err := h.d.Companions.Get.Handle(ctx, companionuc.Get{OwnerID: in.OwnerID, ID: in.CompanionID}); err != nil {
		return nil, err
	}
	list, err := h.d.Store.ListByCompanion(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return nil, err
	}
	now := h.d.Clock.Now()
	out := make([]Listed, 0, len(list))
	for _, s := range list {
		out = append(out, Listed{Schedule: s, NextRuns: nextRuns(s, now)})
	}
	return out, nil
}

// ListRuns is a page of a schedule's runs, newest first.
type ListRuns struct {
	OwnerID domain.ID
	ID      domain.ID
	Page    domain.Page
}

// RunPage is a page of runs and the cursor of the next.
type RunPage struct {
	Runs []Run
	Next domain.Cursor
}

type runsHandler struct{ d Deps }

func (h runsHandler) Handle(ctx context.Context, in ListRuns) (RunPage, error) {
	if _, err := h.d.own(ctx, in.OwnerID, in.ID); err != nil {
		return RunPage{}, err
	}
	runs, next, err := h.d.Store.Runs(ctx, in.ID, in.Page.After, in.Page.Limit)
	if err != nil {
		return RunPage{}, err
	}
	return RunPage{Runs: runs, Next: next}, nil
}

// own is the owner's schedule. The store reads anyone's for a zero owner (the firing's); through
// a person's use cases a zero owner owns nothing.
func (d Deps) own(ctx context.Context, owner, id domain.ID) (Schedule, error) {
	if owner.IsZero() {
		return Schedule{}, ErrScheduleNotFound
	}
	return d.Store.Get(ctx, owner, id)
}

func joinErr(err, undo error) error {
	if undo != nil {
		return domain.Errorf(domain.KindInternal, "%v (and undoing the change failed: %v)", err, undo)
	}
	return err
}

// Get is one of the owner's schedules.
type Get struct {
	OwnerID domain.ID
	ID      domain.ID
}

type getHandler struct{ d Deps }

func (h getHandler) Handle(ctx context.Context, in Get) (Listed, error) {
	s, err := h.d.own(ctx, in.OwnerID, in.ID)
	if err != nil {
		return Listed{}, err
	}
	return Listed{Schedule: s, NextRuns: nextRuns(s, h.d.Clock.Now())}, nil
}
