package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/usage"
)

// UsageStore returns the store of counted usage and quota overrides over db. Migration 00022
// holds its schema.
func UsageStore(db *DB) usage.Store { return usageRepo{db: db, c: db.conn(db.X)} }

type usageRepo struct {
	db *DB
	c  conn
}

var _ usage.Store = usageRepo{}

// Add adds up each entry within one transaction. An entry of a person who is no longer there (erased
// while the meter held it), or of an id that names no one, is dropped, and one of a companion erased
// meanwhile counts without it: counting never brings an erased person's ids back. On PostgreSQL the person's row is key-share locked while the entry is
// added, so an erase waits for the write (and then deletes what it wrote) or the write sees the
// erase.
func (r usageRepo) Add(ctx context.Context, entries []usage.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	const upsert = ` ON CONFLICT (user_id, day, companion_id, kind, provider, model)
		DO UPDATE SET amount = usage_daily.amount + excluded.amount`
	person, companion := `SELECT 1 FROM users WHERE id = ?`, `SELECT COUNT(*) FROM companions WHERE id = ?`
	if r.db.Dialect == Postgres {
		person += ` FOR KEY SHARE`
		companion = `SELECT COUNT(*) FROM (SELECT 1 FROM companions WHERE id = ? FOR KEY SHARE) c`
	}
	return r.db.inTx(ctx, func(c conn) error {
		for _, e := range entries {
			// A companion erased meanwhile (with its owner; it answered someone else in a room) is
			// not named: the entry counts for its person alone.
			if id, err := domain.ParseID(e.CompanionID); err == nil {
				var n int
				if err := c.get(ctx, &n, companion, idArg(id)); err != nil {
					return classify(err, nil, "look up the usage's companion")
				}
				if n == 0 {
					e.CompanionID = ""
				}
			}
			args := []any{string(e.Day), e.UserID, e.CompanionID, string(e.Kind), e.Provider, e.Model, e.Amount}
			q := `INSERT INTO usage_daily (day, user_id, companion_id, kind, provider, model, amount) VALUES (?, ?, ?, ?, ?, ?, ?)` + upsert
			if e.UserID != "" {
				id, err := domain.ParseID(e.UserID)
				if err != nil {
					continue // names no one
				}
				q = `INSERT INTO usage_daily (day, user_id, companion_id, kind, provider, model, amount)
					SELECT ?, ?, ?, ?, ?, ?, CAST(? AS BIGINT) WHERE EXISTS (` + person + `)` + upsert
				args = append(args, idArg(id))
			}
			if _, err := c.exec(ctx, q, args...); err != nil {
				return classify(err, nil, "add usage")
			}
		}
		return nil
	})
}

type usageRow struct {
	Day         string `db:"day"`
	UserID      string `db:"user_id"`
	CompanionID string `db:"companion_id"`
	Kind        string `db:"kind"`
	Provider    string `db:"provider"`
	Model       string `db:"model"`
	Amount      int64  `db:"amount"`
}

func (r usageRepo) Entries(ctx context.Context, f usage.Filter) ([]usage.Entry, error) {
	q := `SELECT day, user_id, companion_id, kind, provider, model, amount FROM usage_daily WHERE day >= ? AND day <= ?`
	args := []any{string(f.From), string(f.To)}
	if f.UserID != "" {
		q += ` AND user_id = ?`
		args = append(args, f.UserID)
	}
	var rows []usageRow
	if err := r.c.sel(ctx, &rows, q+` ORDER BY day, user_id, companion_id, kind, provider, model`, args...); err != nil {
		return nil, classify(err, nil, "list usage")
	}
	out := make([]usage.Entry, 0, len(rows))
	for _, row := range rows {
		out = append(out, usage.Entry{Key: usage.Key{Day: usage.Day(row.Day), UserID: row.UserID, CompanionID: row.CompanionID,
			Kind: usage.Kind(row.Kind), Provider: row.Provider, Model: row.Model}, Amount: row.Amount})
	}
	return out, nil
}

func (r usageRepo) Used(ctx context.Context, userID string, day usage.Day) (map[usage.Kind]int64, error) {
	var rows []struct {
		Kind   string `db:"kind"`
		Amount int64  `db:"amount"`
	}
	if err := r.c.sel(ctx, &rows, `SELECT kind, SUM(amount) AS amount FROM usage_daily WHERE user_id = ? AND day = ? GROUP BY kind`,
		userID, string(day)); err != nil {
		return nil, classify(err, nil, "sum usage")
	}
	out := make(map[usage.Kind]int64, len(rows))
	for _, row := range rows {
		out[usage.Kind(row.Kind)] = row.Amount
	}
	return out, nil
}

type quotaRow struct {
	Tokens   sql.NullInt64 `db:"tokens"`
	Pictures sql.NullInt64 `db:"pictures"`
	Speech   sql.NullInt64 `db:"speech"`
}

func limitOf(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

func (r usageRepo) Overrides(ctx context.Context, userID domain.ID) (usage.Limits, error) {
	var rows []quotaRow
	if err := r.c.sel(ctx, &rows, `SELECT tokens, pictures, speech FROM usage_quotas WHERE user_id = ?`, idArg(userID)); err != nil {
		return usage.Limits{}, classify(err, nil, "read quota overrides")
	}
	if len(rows) == 0 {
		return usage.Limits{}, nil
	}
	return usage.Limits{Tokens: limitOf(rows[0].Tokens), Pictures: limitOf(rows[0].Pictures), Speech: limitOf(rows[0].Speech)}, nil
}

func (r usageRepo) SetOverrides(ctx context.Context, userID domain.ID, l usage.Limits) error {
	if l.Tokens == nil && l.Pictures == nil && l.Speech == nil {
		var exists int
		if err := r.c.get(ctx, &exists, `SELECT COUNT(*) FROM users WHERE id = ?`, idArg(userID)); err != nil {
			return classify(err, nil, "find user")
		}
		if exists == 0 {
			return usage.ErrNoSuchUser
		}
		_, err := r.c.exec(ctx, `DELETE FROM usage_quotas WHERE user_id = ?`, idArg(userID))
		return classify(err, nil, "clear quota overrides")
	}
	_, err := r.c.exec(ctx, `INSERT INTO usage_quotas (user_id, tokens, pictures, speech) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET tokens = excluded.tokens, pictures = excluded.pictures, speech = excluded.speech`,
		idArg(userID), l.Tokens, l.Pictures, l.Speech)
	if err != nil && isForeignKeyViolation(err) {
		return usage.ErrNoSuchUser.Wrap(fmt.Errorf("quota of %s: %w", userID, err))
	}
	return classify(err, nil, "set quota overrides")
}

// ActiveToday counts the people who used the hub's providers today (UTC): the business metrics'
// active users.
func (db *DB) ActiveToday(ctx context.Context) (int, error) {
	var n int
	err := db.conn(db.X).get(ctx, &n, `SELECT COUNT(DISTINCT user_id) FROM usage_daily WHERE day = ? AND user_id <> ''`,
		string(usage.DayOf(time.Now())))
	return n, classify(err, nil, "count active people")
}
