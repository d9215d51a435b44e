package sqlstore

import (
	"context"
	"strings"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/account"
)

type userRepo struct{ c conn }

type userRow struct {
	ID                string   `db:"id"`
	Email             string   `db:"email"`
	Username          string   `db:"username"`
	DisplayName       string   `db:"display_name"`
	PasswordHash      string   `db:"password_hash"`
	FailedLogins      int      `db:"failed_logins"`
	LastFailedLoginAt nullTime `db:"last_failed_login_at"`
	LockedUntil       nullTime `db:"locked_until"`
	CreatedAt         nullTime `db:"created_at"`
	UpdatedAt         nullTime `db:"updated_at"`
}

const userColumns = `id, email, username, display_name, password_hash, failed_logins, last_failed_login_at,
	locked_until, created_at, updated_at`

func (r userRow) user() (*account.User, error) {
	id, err := parseID(r.ID)
	if err != nil {
		return nil, err
	}
	l := account.HydrateLockout(r.FailedLogins, r.LastFailedLoginAt.Time, r.LockedUntil.Time)
	return account.HydrateUser(id, r.Email, r.Username, r.DisplayName, r.PasswordHash, l, r.CreatedAt.Time, r.UpdatedAt.Time), nil
}

func (r userRepo) Create(ctx context.Context, u *account.User) error {
	l := u.Lockout()
	_, err := r.c.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID().String(), u.Email().String(), u.Username().String(), u.DisplayName().String(), u.PasswordHash().String(),
		l.Failures(), r.c.t(l.LastFailedAt()), r.c.t(l.LockedUntil()), r.c.t(u.CreatedAt()), r.c.t(u.UpdatedAt()))
	if c, ok := uniqueViolation(err); ok {
		field := "username"
		if strings.Contains(c, "email") {
			field = "email"
		}
		return account.ErrAlreadyTaken.Wrap(domain.Errorf(domain.KindConflict, "users: duplicate %s", field))
	}
	return classify(err, nil, "insert user")
}

func (r userRepo) one(ctx context.Context, where string, arg any) (*account.User, error) {
	var row userRow
	if err := r.c.get(ctx, &row, `SELECT `+userColumns+` FROM users WHERE `+where, arg); err != nil {
		return nil, classify(err, account.ErrUserNotFound, "select user")
	}
	return row.user()
}

func (r userRepo) Get(ctx context.Context, id domain.ID) (*account.User, error) {
	return r.one(ctx, `id = ?`, id.String())
}

func (r userRepo) GetForUpdate(ctx context.Context, id domain.ID) (*account.User, error) {
	return r.one(ctx, `id = ?`+r.c.forUpdate(), id.String())
}

func (r userRepo) FindByLogin(ctx context.Context, ident account.Identifier) (*account.User, error) {
	if ident.IsEmail() {
		return r.one(ctx, `email = ?`, ident.String())
	}
	return r.one(ctx, `username = ?`, ident.String())
}

func (r userRepo) Update(ctx context.Context, u *account.User) error {
	l := u.Lockout()
	n, err := r.c.exec(ctx, `UPDATE users SET display_name = ?, password_hash = ?, failed_logins = ?,
		last_failed_login_at = ?, locked_until = ?, updated_at = ? WHERE id = ?`,
		u.DisplayName().String(), u.PasswordHash().String(), l.Failures(), r.c.t(l.LastFailedAt()),
		r.c.t(l.LockedUntil()), r.c.t(u.UpdatedAt()), u.ID().String())
	if err != nil {
		return classify(err, nil, "update user")
	}
	if n == 0 {
		return account.ErrUserNotFound
	}
	return nil
}
