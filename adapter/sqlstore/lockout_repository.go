package sqlstore

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain/account"
)

type lockoutRepo struct{ c conn }

func (r lockoutRepo) GetForUpdate(ctx context.Context, key string) (account.Lockout, error) {
	// SELECT … FOR UPDATE locks nothing when the row does not exist yet, and concurrent first
	// failures would then all count from zero; a placeholder row (no failures) gives them one to
	// queue on. It disappears with the transaction if nothing is recorded, and is idle otherwise.
	if r.c.d == Postgres {
		if _, err := r.c.exec(ctx, `INSERT INTO login_lockouts (key, failures, last_failed_at) VALUES (?, 0, ?)
			ON CONFLICT (key) DO NOTHING`, key, r.c.t(time.Unix(0, 0))); err != nil {
			return account.Lockout{}, classify(err, nil, "reserve lockout")
		}
	}
	return r.Get(ctx, key)
}

func (r lockoutRepo) Get(ctx context.Context, key string) (account.Lockout, error) {
	var row struct {
		Failures     int      `db:"failures"`
		LastFailedAt nullTime `db:"last_failed_at"`
		LockedUntil  nullTime `db:"locked_until"`
	}
	err := r.c.get(ctx, &row, `SELECT failures, last_failed_at, locked_until FROM login_lockouts WHERE key = ?`+r.c.forUpdate(), key)
	if err != nil {
		err = classify(err, errNoRow, "select lockout")
		if err == errNoRow {
			return account.Lockout{}, nil
		}
		return account.Lockout{}, err
	}
	if row.Failures == 0 {
		return account.Lockout{}, nil // a placeholder (see GetForUpdate)
	}
	return account.HydrateLockout(row.Failures, row.LastFailedAt.Time, row.LockedUntil.Time), nil
}

func (r lockoutRepo) Put(ctx context.Context, key string, l account.Lockout) error {
	if l.IsZero() {
		_, err := r.c.exec(ctx, `DELETE FROM login_lockouts WHERE key = ?`, key)
		return classify(err, nil, "delete lockout")
	}
	_, err := r.c.exec(ctx, `INSERT INTO login_lockouts (key, failures, last_failed_at, locked_until) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failed_at = excluded.last_failed_at,
		locked_until = excluded.locked_until`,
		key, l.Failures(), r.c.t(l.LastFailedAt()), r.c.t(l.LockedUntil()))
	return classify(err, nil, "upsert lockout")
}

func (r lockoutRepo) DeleteIdle(ctx context.Context, before time.Time) (int, error) {
	n, err := r.c.exec(ctx, `DELETE FROM login_lockouts
		WHERE last_failed_at < ? AND (locked_until IS NULL OR locked_until < ?)`, r.c.t(before), r.c.t(before))
	return int(n), classify(err, nil, "delete idle lockouts")
}
