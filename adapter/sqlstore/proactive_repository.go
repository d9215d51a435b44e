package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase/proactive"
)

// ProactiveStore returns the store of schedules and their runs over db. Migration 00017 holds its
// schema.
func ProactiveStore(db *DB) proactive.Store { return proactiveRepo{c: db.conn(db.X)} }

// proactiveRepo encodes the ids it looks rows up by with idArg: a zero id is NULL, which matches no
// row (rather than "", which PostgreSQL refuses as a uuid).
type proactiveRepo struct{ c conn }

var _ proactive.Store = proactiveRepo{}

type proactiveScheduleRow struct {
	ID          string   `db:"id"`
	OwnerID     string   `db:"owner_id"`
	CompanionID string   `db:"companion_id"`
	Preset      string   `db:"preset"`
	Instruction string   `db:"instruction"`
	Cron        string   `db:"cron"`
	TimeZone    string   `db:"time_zone"`
	Enabled     bool     `db:"enabled"`
	CreatedAt   nullTime `db:"created_at"`
	UpdatedAt   nullTime `db:"updated_at"`
}

const proactiveScheduleColumns = `id, owner_id, companion_id, preset, instruction, cron, time_zone, enabled,
	created_at, updated_at`

// Create inserts the schedule. The key to its companion and owner together refuses a companion that
// is not the owner's as one that does not exist. A companion in the trash is still the owner's: the
// use case, not the store, refuses schedules for it.
func (r proactiveRepo) Create(ctx context.Context, s proactive.Schedule) error {
	_, err := r.c.exec(ctx, `INSERT INTO schedules (`+proactiveScheduleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		idArg(s.ID), idArg(s.OwnerID), idArg(s.CompanionID), s.Preset, s.Instruction, s.Cron, s.TimeZone,
		s.Enabled, r.c.t(s.CreatedAt), r.c.t(s.UpdatedAt))
	if c, dup := uniqueViolation(err); dup {
		return domain.Errorf(domain.KindConflict, "schedule %s exists (%s)", s.ID, c)
	}
	if err != nil && isForeignKeyViolation(err) {
		return companion.ErrNotFound.Wrap(fmt.Errorf("schedule %s: companion %s is not owner %s's: %w",
			s.ID, s.CompanionID, s.OwnerID, err))
	}
	return classify(err, nil, "insert schedule")
}

func (r proactiveRepo) Get(ctx context.Context, ownerID, id domain.ID) (proactive.Schedule, error) {
	query, args := `SELECT `+proactiveScheduleColumns+` FROM schedules WHERE id = ?`, []any{idArg(id)}
	if !ownerID.IsZero() {
		query, args = query+` AND owner_id = ?`, append(args, ownerID.String())
	}
	var row proactiveScheduleRow
	if err := r.c.get(ctx, &row, query, args...); err != nil {
		return proactive.Schedule{}, classify(err, proactive.ErrScheduleNotFound, "select schedule")
	}
	return row.schedule()
}

// Update writes what a person may change; the owner and companion stay, as does CreatedAt.
func (r proactiveRepo) Update(ctx context.Context, s proactive.Schedule) error {
	n, err := r.c.exec(ctx, `UPDATE schedules SET preset = ?, instruction = ?, cron = ?, time_zone = ?, enabled = ?,
		updated_at = ? WHERE id = ? AND owner_id = ?`,
		s.Preset, s.Instruction, s.Cron, s.TimeZone, s.Enabled, r.c.t(s.UpdatedAt), idArg(s.ID), idArg(s.OwnerID))
	if err != nil {
		return classify(err, nil, "update schedule")
	}
	if n == 0 {
		return proactive.ErrScheduleNotFound
	}
	return nil
}

// Delete removes the schedule; its runs go by their key's cascade.
func (r proactiveRepo) Delete(ctx context.Context, ownerID, id domain.ID) error {
	n, err := r.c.exec(ctx, `DELETE FROM schedules WHERE id = ? AND owner_id = ?`, idArg(id), idArg(ownerID))
	if err != nil {
		return classify(err, nil, "delete schedule")
	}
	if n == 0 {
		return proactive.ErrScheduleNotFound
	}
	return nil
}

func (r proactiveRepo) ListByCompanion(ctx context.Context, ownerID, companionID domain.ID) ([]proactive.Schedule, error) {
	var rows []proactiveScheduleRow
	if err := r.c.sel(ctx, &rows, `SELECT `+proactiveScheduleColumns+` FROM schedules WHERE owner_id = ? AND companion_id = ?
		ORDER BY created_at, id`, idArg(ownerID), idArg(companionID)); err != nil {
		return nil, classify(err, nil, "list schedules")
	}
	return schedules(rows)
}

// All pages through every schedule in id order (the primary key's).
func (r proactiveRepo) All(ctx context.Context, after domain.ID, limit int) ([]proactive.Schedule, error) {
	if limit < 1 {
		return nil, domain.Errorf(domain.KindInvalid, "list schedules: limit %d < 1", limit)
	}
	query, args := `SELECT `+proactiveScheduleColumns+` FROM schedules`, []any{}
	if !after.IsZero() {
		query, args = query+` WHERE id > ?`, append(args, after.String())
	}
	var rows []proactiveScheduleRow
	if err := r.c.sel(ctx, &rows, query+` ORDER BY id LIMIT ?`, append(args, limit)...); err != nil {
		return nil, classify(err, nil, "list every schedule")
	}
	return schedules(rows)
}

func schedules(rows []proactiveScheduleRow) ([]proactive.Schedule, error) {
	out := make([]proactive.Schedule, 0, len(rows))
	for _, row := range rows {
		s, err := row.schedule()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

type proactiveRunRow struct {
	ID         string   `db:"id"`
	ScheduleID string   `db:"schedule_id"`
	OwnerID    string   `db:"owner_id"`
	Due        nullTime `db:"due"`
	Outcome    string   `db:"outcome"`
	Reason     string   `db:"reason"`
	TurnID     *string  `db:"turn_id"`
	At         nullTime `db:"at"`
}

const proactiveRunColumns = `id, schedule_id, owner_id, due, outcome, reason, turn_id, at`

// AddRun logs the run. The key to its schedule and owner together refuses a schedule that is gone
// (deleted while it fired) or not the run's owner's: ErrScheduleNotFound.
func (r proactiveRepo) AddRun(ctx context.Context, run proactive.Run) error {
	_, err := r.c.exec(ctx, `INSERT INTO schedule_runs (`+proactiveRunColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		idArg(run.ID), idArg(run.ScheduleID), idArg(run.OwnerID), r.c.t(run.Due), string(run.Outcome),
		run.Reason, idArg(run.TurnID), r.c.t(run.At))
	if c, dup := uniqueViolation(err); dup {
		// SQLite names the columns (schedule_runs.schedule_id, schedule_runs.due), PostgreSQL the
		// constraint (schedule_runs_due_key); the other unique key is the id.
		if strings.Contains(c, "due") {
			return proactive.ErrRunLogged.Wrap(err)
		}
		return domain.Errorf(domain.KindConflict, "run %s exists (%s)", run.ID, c)
	}
	if err != nil && isForeignKeyViolation(err) {
		return proactive.ErrScheduleNotFound.Wrap(fmt.Errorf("run %s: schedule %s is not owner %s's: %w",
			run.ID, run.ScheduleID, run.OwnerID, err))
	}
	return classify(err, nil, "insert schedule run")
}

// Runs pages newest first. The keyset is a row value, as in the gallery: a range on
// schedule_runs_schedule_idx, the scan starting at the cursor.
func (r proactiveRepo) Runs(ctx context.Context, scheduleID domain.ID, after domain.Cursor, limit int) ([]proactive.Run, domain.Cursor, error) {
	if limit < 1 {
		return nil, domain.Cursor{}, domain.Invalid(domain.Violation("limit", "out_of_range", "limit must be at least 1"))
	}
	query, args := `SELECT `+proactiveRunColumns+` FROM schedule_runs WHERE schedule_id = ?`, []any{idArg(scheduleID)}
	if !after.IsZero() {
		query += ` AND (at, id) < (?, ?)`
		args = append(args, r.c.t(after.At), after.ID.String())
	}
	query += ` ORDER BY at DESC, id DESC LIMIT ?`
	var rows []proactiveRunRow
	if err := r.c.sel(ctx, &rows, query, append(args, limit+1)...); err != nil {
		return nil, domain.Cursor{}, classify(err, nil, "list schedule runs")
	}
	out := make([]proactive.Run, 0, len(rows))
	for _, row := range rows {
		run, err := row.run()
		if err != nil {
			return nil, domain.Cursor{}, err
		}
		out = append(out, run)
	}
	page, next := domain.Paginate(out, domain.Page{After: after, Limit: limit}, func(run proactive.Run) domain.Cursor {
		return domain.Cursor{At: run.At, ID: run.ID}
	})
	return page, next, nil
}

func (r proactiveRepo) FiredSince(ctx context.Context, ownerID domain.ID, since time.Time) (int, error) {
	var n int64
	err := r.c.get(ctx, &n, `SELECT COUNT(*) FROM schedule_runs WHERE owner_id = ? AND outcome = ? AND at >= ?`,
		idArg(ownerID), string(proactive.Fired), r.c.t(since))
	return int(n), classify(err, nil, "count fired runs")
}

func (row proactiveScheduleRow) schedule() (proactive.Schedule, error) {
	s := proactive.Schedule{Preset: row.Preset, Instruction: row.Instruction, Cron: row.Cron, TimeZone: row.TimeZone,
		Enabled: row.Enabled, CreatedAt: row.CreatedAt.Time, UpdatedAt: row.UpdatedAt.Time}
	var err error
	for _, p := range []struct {
		to *domain.ID
		s  string
	}{{&s.ID, row.ID}, {&s.OwnerID, row.OwnerID}, {&s.CompanionID, row.CompanionID}} {
		if *p.to, err = parseID(p.s); err != nil {
			return proactive.Schedule{}, err
		}
	}
	return s, nil
}

func (row proactiveRunRow) run() (proactive.Run, error) {
	run := proactive.Run{Due: row.Due.Time, Outcome: proactive.Outcome(row.Outcome), Reason: row.Reason, At: row.At.Time}
	var err error
	for _, p := range []struct {
		to *domain.ID
		s  string
	}{{&run.ID, row.ID}, {&run.ScheduleID, row.ScheduleID}, {&run.OwnerID, row.OwnerID}} {
		if *p.to, err = parseID(p.s); err != nil {
			return proactive.Run{}, err
		}
	}
	if row.TurnID != nil {
		if run.TurnID, err = parseID(*row.TurnID); err != nil {
			return proactive.Run{}, err
		}
	}
	return run, nil
}
