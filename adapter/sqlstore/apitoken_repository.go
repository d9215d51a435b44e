package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/apitoken"
)

// TokenStore returns the store of personal access tokens over db. Migration 00020 holds its schema.
func TokenStore(db *DB) apitoken.Store { return tokenRepo{c: db.conn(db.X)} }

type tokenRepo struct{ c conn }

var _ apitoken.Store = tokenRepo{}

type tokenRow struct {
	ID         string   `db:"id"`
	UserID     string   `db:"user_id"`
	Name       string   `db:"name"`
	Scope      string   `db:"scope"`
	Hint       string   `db:"hint"`
	CreatedAt  nullTime `db:"created_at"`
	ExpiresAt  nullTime `db:"expires_at"`
	LastUsedAt nullTime `db:"last_used_at"`
}

const tokenColumns = `id, user_id, name, scope, hint, created_at, expires_at, last_used_at`

func (r tokenRepo) Create(ctx context.Context, t apitoken.Token, hash string) error {
	_, err := r.c.exec(ctx, `INSERT INTO api_tokens (`+tokenColumns+`, secret_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		idArg(t.ID), idArg(t.UserID), t.Name, string(t.Scope), t.Hint, r.c.t(t.CreatedAt), r.c.t(t.ExpiresAt),
		r.c.t(t.LastUsedAt), hash)
	if c, dup := uniqueViolation(err); dup {
		return domain.Errorf(domain.KindConflict, "token %s exists (%s)", t.ID, c)
	}
	if err != nil && isForeignKeyViolation(err) {
		return errNoSuchUser.Wrap(fmt.Errorf("token %s: %w", t.ID, err))
	}
	return classify(err, nil, "insert token")
}

func (r tokenRepo) List(ctx context.Context, userID domain.ID) ([]apitoken.Token, error) {
	var rows []tokenRow
	if err := r.c.sel(ctx, &rows, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC`,
		idArg(userID)); err != nil {
		return nil, classify(err, nil, "list tokens")
	}
	out := make([]apitoken.Token, 0, len(rows))
	for _, row := range rows {
		t, err := row.token()
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (r tokenRepo) ByHash(ctx context.Context, hash string) (apitoken.Token, error) {
	var row tokenRow
	if err := r.c.get(ctx, &row, `SELECT `+tokenColumns+` FROM api_tokens WHERE secret_hash = ?`, hash); err != nil {
		return apitoken.Token{}, classify(err, apitoken.ErrNotFound, "select token")
	}
	return row.token()
}

func (r tokenRepo) Touch(ctx context.Context, id domain.ID, at time.Time) error {
	_, err := r.c.exec(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, r.c.t(at), idArg(id))
	return classify(err, nil, "touch token")
}

func (r tokenRepo) Delete(ctx context.Context, userID, id domain.ID) error {
	n, err := r.c.exec(ctx, `DELETE FROM api_tokens WHERE id = ? AND user_id = ?`, idArg(id), idArg(userID))
	if err != nil {
		return classify(err, nil, "delete token")
	}
	if n == 0 {
		return apitoken.ErrNotFound
	}
	return nil
}

func (row tokenRow) token() (apitoken.Token, error) {
	t := apitoken.Token{Name: row.Name, Scope: apitoken.Scope(row.Scope), Hint: row.Hint, CreatedAt: row.CreatedAt.Time,
		ExpiresAt: row.ExpiresAt.Time, LastUsedAt: row.LastUsedAt.Time}
	var err error
	if t.ID, err = parseID(row.ID); err != nil {
		return apitoken.Token{}, err
	}
	if t.UserID, err = parseID(row.UserID); err != nil {
		return apitoken.Token{}, err
	}
	return t, nil
}
