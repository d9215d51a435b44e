package sqlstore

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

type sessionRepo struct{ c conn }

type sessionRow struct {
	ID         string   `db:"id"`
	UserID     string   `db:"user_id"`
	TokenHash  string   `db:"token_hash"`
	CreatedAt  nullTime `db:"created_at"`
	LastSeenAt nullTime `db:"last_seen_at"`
	ExpiresAt  nullTime `db:"expires_at"`
	RevokedAt  nullTime `db:"revoked_at"`
	UserAgent  string   `db:"user_agent"`
	IP         string   `db:"ip"`
}

const sessionColumns = `id, user_id, token_hash, created_at, last_seen_at, expires_at, revoked_at, user_agent, ip`

func (r sessionRow) session() (*account.Session, error) {
	id, err := parseID(r.ID)
	if err != nil {
		return nil, err
	}
	uid, err := parseID(r.UserID)
	if err != nil {
		return nil, err
	}
	return account.HydrateSession(id, uid, account.HydrateTokenHash(r.TokenHash), r.CreatedAt.Time, r.LastSeenAt.Time,
		r.ExpiresAt.Time, r.RevokedAt.Time, r.UserAgent, r.IP), nil
}

func (r sessionRepo) Create(ctx context.Context, s *account.Session) error {
	_, err := r.c.exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID().String(), s.UserID().String(), s.TokenHash().String(), r.c.t(s.CreatedAt()), r.c.t(s.LastSeenAt()),
		r.c.t(s.ExpiresAt()), r.c.t(s.RevokedAt()), s.UserAgent(), s.IP())
	if _, dup := uniqueViolation(err); dup {
		return domain.Errorf(domain.KindConflict, "insert session: duplicate id or token")
	}
	if err != nil && isForeignKeyViolation(err) {
		return account.ErrUserNotFound.Wrap(err)
	}
	return classify(err, nil, "insert session")
}

func (r sessionRepo) GetByTokenHash(ctx context.Context, h account.TokenHash) (*account.Session, error) {
	var row sessionRow
	if err := r.c.get(ctx, &row, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, h.String()); err != nil {
		return nil, classify(err, account.ErrSessionNotFound, "select session")
	}
	return row.session()
}

func (r sessionRepo) ListByUser(ctx context.Context, userID domain.ID, now time.Time) ([]*account.Session, error) {
	var rows []sessionRow
	err := r.c.sel(ctx, &rows, `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC, id DESC`,
		userID.String(), r.c.t(now))
	if err != nil {
		return nil, classify(err, nil, "list sessions")
	}
	out := make([]*account.Session, 0, len(rows))
	for _, row := range rows {
		s, err := row.session()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (r sessionRepo) Touch(ctx context.Context, id domain.ID, at time.Time) error {
	_, err := r.c.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE id = ? AND last_seen_at < ?`,
		r.c.t(at), id.String(), r.c.t(at))
	return classify(err, nil, "touch session")
}

func (r sessionRepo) Revoke(ctx context.Context, userID, id domain.ID, at time.Time) error {
	n, err := r.c.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL`,
		r.c.t(at), id.String(), userID.String())
	if err != nil {
		return classify(err, nil, "revoke session")
	}
	if n == 0 {
		return account.ErrSessionNotFound
	}
	return nil
}

func (r sessionRepo) RevokeAll(ctx context.Context, userID, keep domain.ID, at time.Time) (int, error) {
	query := `UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?`
	args := []any{r.c.t(at), userID.String(), r.c.t(at)}
	if !keep.IsZero() {
		query += ` AND id <> ?`
		args = append(args, keep.String())
	}
	n, err := r.c.exec(ctx, query, args...)
	return int(n), classify(err, nil, "revoke sessions")
}

func (r sessionRepo) DeleteAccessTokens(ctx context.Context, userID domain.ID) (int, error) {
	n, err := r.c.exec(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, idArg(userID))
	return int(n), classify(err, nil, "delete access tokens")
}

func (r sessionRepo) DeleteDead(ctx context.Context, before time.Time) (int, error) {
	n, err := r.c.exec(ctx, `DELETE FROM sessions WHERE expires_at < ? OR revoked_at < ?`, r.c.t(before), r.c.t(before))
	return int(n), classify(err, nil, "delete dead sessions")
}
