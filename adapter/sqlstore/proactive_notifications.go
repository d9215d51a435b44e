package sqlstore

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
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
