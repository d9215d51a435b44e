package sqlstore

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/schedule"
)

// ScheduleStore is the in-process scheduler's table of schedules and next runs (schedule.Store):
// one conditional UPDATE per claim is what keeps replicas from firing an occurrence twice.
type ScheduleStore struct{ c conn }

var _ schedule.Store = (*ScheduleStore)(nil)

// NewScheduleStore returns the schedule store over db.
func NewScheduleStore(db *DB) *ScheduleStore { return &ScheduleStore{c: db.conn(db.X)} }

type scheduleRow struct {
	ID          string   `db:"id"`
	OwnerID     string   `db:"owner_id"`
	CompanionID string   `db:"companion_id"`
	Cron        string   `db:"cron"`
	TimeZone    string   `db:"time_zone"`
	Instruction string   `db:"instruction"`
	Enabled     bool     `db:"enabled"`
	Revision    int64    `db:"revision"`
	NextRunAt   nullTime `db:"next_run_at"`
}

// Put inserts the schedule or replaces it in one statement. A replacement keeps its next run when
// what decides it (cron, zone, enabled) is unchanged: the SET expressions read the old row.
func (s *ScheduleStore) Put(ctx context.Context, sp schedule.Spec, next, now time.Time) error {
	_, err := s.c.exec(ctx, `INSERT INTO schedule_runtime (id, owner_id, companion_id, cron, time_zone, instruction,
		enabled, next_run_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, companion_id = excluded.companion_id,
		instruction = excluded.instruction, cron = excluded.cron, time_zone = excluded.time_zone,
		enabled = excluded.enabled,
		next_run_at = CASE WHEN schedule_runtime.cron = excluded.cron AND schedule_runtime.time_zone = excluded.time_zone
			AND schedule_runtime.enabled = excluded.enabled THEN schedule_runtime.next_run_at ELSE excluded.next_run_at END,
		revision = schedule_runtime.revision + 1, updated_at = excluded.updated_at`,
		sp.ID.String(), sp.OwnerID.String(), sp.CompanionID.String(), sp.Cron, sp.TimeZone, sp.Instruction,
		sp.Enabled, s.c.t(next), s.c.t(now), s.c.t(now))
	return classify(err, nil, "put schedule")
}

func (s *ScheduleStore) Delete(ctx context.Context, id domain.ID) error {
	_, err := s.c.exec(ctx, `DELETE FROM schedule_runtime WHERE id = ?`, id.String())
	return classify(err, nil, "delete schedule")
}

func (s *ScheduleStore) Due(ctx context.Context, now time.Time, limit int) ([]schedule.Due, error) {
	var rows []scheduleRow
	if err := s.c.sel(ctx, &rows, `SELECT id, owner_id, companion_id, cron, time_zone, instruction, enabled, revision,
		next_run_at FROM schedule_runtime WHERE next_run_at <= ? ORDER BY next_run_at, id LIMIT ?`,
		s.c.t(now), limit); err != nil {
		return nil, classify(err, nil, "list due schedules")
	}
	out := make([]schedule.Due, 0, len(rows))
	for _, r := range rows {
		d := schedule.Due{NextRun: r.NextRunAt.Time, Revision: r.Revision, Spec: schedule.Spec{
			Cron: r.Cron, TimeZone: r.TimeZone, Instruction: r.Instruction, Enabled: r.Enabled}}
		var err error
		for _, p := range []struct {
			dst *domain.ID
			src string
		}{{&d.Spec.ID, r.ID}, {&d.Spec.OwnerID, r.OwnerID}, {&d.Spec.CompanionID, r.CompanionID}} {
			if *p.dst, err = parseID(p.src); err != nil {
				return nil, err
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// Claim is a compare-and-set on (revision, next run): of replicas claiming the same due run, the
// database lets exactly one UPDATE match the row; the others find it moved and change nothing.
func (s *ScheduleStore) Claim(ctx context.Context, d schedule.Due, next, now time.Time) (bool, error) {
	n, err := s.c.exec(ctx, `UPDATE schedule_runtime SET next_run_at = ?, last_run_at = ?, run_count = run_count + 1
		WHERE id = ? AND revision = ? AND next_run_at = ?`,
		s.c.t(next), s.c.t(now), d.Spec.ID.String(), d.Revision, s.c.t(d.NextRun))
	if err != nil {
		return false, classify(err, nil, "claim schedule run")
	}
	return n == 1, nil
}
