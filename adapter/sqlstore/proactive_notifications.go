package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/proactive"
)

var errNoSuchUser = domain.E(domain.KindNotFound, "user_not_found", "the user does not exist")

func (r proactiveRepo) SetNotifications(ctx context.Context, userID domain.ID, on bool, at time.Time) error {
	if !on {
		_, err := r.c.exec(ctx, `DELETE FROM notification_optins WHERE user_id = ?`, userID.String())
		return classify(err, nil, "turn notifications off")
	}
	_, err := r.c.exec(ctx, `INSERT INTO notification_optins (user_id, created_at) VALUES (?, ?)
		ON CONFLICT (user_id) DO NOTHING`, userID.String(), r.c.t(at))
	if err != nil && isForeignKeyViolation(err) {
		return errNoSuchUser.Wrap(err)
	}
	return classify(err, nil, "turn notifications on")
}

func (r proactiveRepo) NotificationsOn(ctx context.Context, userID domain.ID) (bool, error) {
	var n int
	err := r.c.get(ctx, &n, `SELECT COUNT(*) FROM notification_optins WHERE user_id = ?`, userID.String())
	return n > 0, classify(err, nil, "read notification opt-in")
}

type preferencesRow struct {
	QuietHours *string `db:"quiet_hours"`
	DailyCap   *int    `db:"daily_cap"`
}

// SetPreferences replaces the person's row; choosing nothing removes it.
func (r proactiveRepo) SetPreferences(ctx context.Context, userID domain.ID, p proactive.Preferences, at time.Time) error {
	if p.Quiet == nil && p.DailyCap == nil {
		_, err := r.c.exec(ctx, `DELETE FROM schedule_preferences WHERE user_id = ?`, userID.String())
		return classify(err, nil, "clear schedule preferences")
	}
	var quiet *string
	if p.Quiet != nil {
		q := p.Quiet.String()
		quiet = &q
	}
	_, err := r.c.exec(ctx, `INSERT INTO schedule_preferences (user_id, quiet_hours, daily_cap, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET quiet_hours = excluded.quiet_hours, daily_cap = excluded.daily_cap,
		updated_at = excluded.updated_at`, userID.String(), quiet, p.DailyCap, r.c.t(at))
	if err != nil && isForeignKeyViolation(err) {
		return errNoSuchUser.Wrap(err)
	}
	return classify(err, nil, "set schedule preferences")
}

func (r proactiveRepo) Preferences(ctx context.Context, userID domain.ID) (proactive.Preferences, error) {
	var row preferencesRow
	err := r.c.get(ctx, &row, `SELECT quiet_hours, daily_cap FROM schedule_preferences WHERE user_id = ?`, userID.String())
	if errors.Is(err, sql.ErrNoRows) {
		return proactive.Preferences{}, nil
	}
	if err != nil {
		return proactive.Preferences{}, classify(err, nil, "read schedule preferences")
	}
	p := proactive.Preferences{DailyCap: row.DailyCap}
	if row.QuietHours != nil {
		q, err := proactive.ParseQuietHours(*row.QuietHours)
		if err != nil {
			return proactive.Preferences{}, domain.Errorf(domain.KindInternal, "schedule preferences of %s: %w", userID, err)
		}
		p.Quiet = &q
	}
	return p, nil
}
