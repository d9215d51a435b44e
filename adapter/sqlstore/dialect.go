package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/companionhub/companionhub/domain"
)

// timeLayout is the fixed-width UTC form SQLite stores times in; text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// q is what repositories run statements on: the pool, or one transaction.
type q interface {
	sqlx.ExtContext
}

// conn is a query target with its dialect: every repository holds one. DB.conn builds them.
type conn struct {
	q     q
	d     Dialect
	stmts *stmtCache // SQLite's prepared statements; nil runs every query unprepared
	// writers is the SQLite writer queue (DB.writers) for a conn on the pool; nil in a
	// transaction (which holds its place already) and on PostgreSQL.
	writers chan struct{}
}

// queue waits for this process's turn to write when query writes on SQLite's pool, and returns the
// function that gives the turn back: single statements queue with the transactions, or a stream of
// transactions could starve them (a lease renewal waiting out the busy timeout loses its turns).
func (c conn) queue(ctx context.Context, query string) (func(), error) {
	if !isWrite(query) {
		return func() {}, nil
	}
	return takeTurn(ctx, c.writers)
}

// takeTurn waits for a place in writers (nil: no queue) and returns the function that gives it back.
func takeTurn(ctx context.Context, writers chan struct{}) (func(), error) {
	if writers == nil {
		return func() {}, nil
	}
	select {
	case writers <- struct{}{}:
		return func() { <-writers }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// isWrite says query changes the database (an UPDATE … RETURNING read with sel writes too).
func isWrite(query string) bool {
	q := strings.TrimSpace(query)
	for _, verb := range []string{"INSERT", "UPDATE", "DELETE", "REPLACE", "WITH"} {
		if len(q) >= len(verb) && strings.EqualFold(q[:len(verb)], verb) {
			return true
		}
	}
	return false
}

// rebind turns ?-placeholders into the dialect's.
func (c conn) rebind(query string) string {
	if c.d == Postgres {
		return sqlx.Rebind(sqlx.DOLLAR, query)
	}
	return query
}

// prepared returns query's cached statement for c — bound to c's transaction if it runs in one — and
// the function to call after the run; a nil statement means run the query unprepared.
func (c conn) prepared(ctx context.Context, query string) (*sqlx.Stmt, func()) {
	if c.stmts == nil {
		return nil, nil
	}
	if tx, ok := c.q.(*sqlx.Tx); ok {
		return c.stmts.tx(ctx, tx, query)
	}
	return c.stmts.pool(ctx, query)
}

func (c conn) get(ctx context.Context, dest any, query string, args ...any) error {
	release, err := c.queue(ctx, query)
	if err != nil {
		return err
	}
	defer release()
	query = c.rebind(query)
	s, done := c.prepared(ctx, query)
	if s == nil {
		return sqlx.GetContext(ctx, c.q, dest, query, args...)
	}
	defer done()
	return s.GetContext(ctx, dest, args...)
}

func (c conn) sel(ctx context.Context, dest any, query string, args ...any) error {
	release, err := c.queue(ctx, query)
	if err != nil {
		return err
	}
	defer release()
	query = c.rebind(query)
	s, done := c.prepared(ctx, query)
	if s == nil {
		return sqlx.SelectContext(ctx, c.q, dest, query, args...)
	}
	defer done()
	return s.SelectContext(ctx, dest, args...)
}

// query runs a query for callers that scan its rows themselves (the hot reads, where sqlx's
// reflection is a good part of the cost); close is to be called once the rows are read.
func (c conn) query(ctx context.Context, query string, args ...any) (rows *sql.Rows, close func(), err error) {
	query = c.rebind(query)
	s, done := c.prepared(ctx, query)
	if s == nil {
		rows, err = c.q.QueryContext(ctx, query, args...)
		done = func() {}
	} else {
		rows, err = s.QueryContext(ctx, args...)
	}
	if err != nil {
		done()
		return nil, nil, err
	}
	return rows, func() {
		_ = rows.Close()
		done()
	}, nil
}

func (c conn) exec(ctx context.Context, query string, args ...any) (int64, error) {
	release, err := c.queue(ctx, query)
	if err != nil {
		return 0, err
	}
	defer release()
	query = c.rebind(query)
	s, done := c.prepared(ctx, query)
	var res sql.Result
	if s == nil {
		res, err = c.q.ExecContext(ctx, query, args...)
	} else {
		defer done()
		res, err = s.ExecContext(ctx, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// forUpdate locks selected rows until commit where the dialect needs it; SQLite transactions take the
// database's write lock when they begin (immediate mode), so they are serial already.
func (c conn) forUpdate() string {
	if c.d == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// boolLit writes a boolean literal the dialect's partial indexes match (true / 1).
func (c conn) boolLit(b bool) string {
	switch {
	case c.d == Postgres && b:
		return "true"
	case c.d == Postgres:
		return "false"
	case b:
		return "1"
	}
	return "0"
}

// t encodes a time for the dialect; the zero time is NULL.
func (c conn) t(v time.Time) any {
	if v.IsZero() {
		return nil
	}
	v = v.UTC().Truncate(time.Microsecond)
	if c.d == SQLite {
		return v.Format(timeLayout)
	}
	return v
}

// nullTime scans a time from either dialect: time.Time from PostgreSQL, text from SQLite, NULL as zero.
type nullTime struct{ time.Time }

func (n *nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		n.Time = time.Time{}
	case time.Time:
		n.Time = v.UTC()
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	default:
		return fmt.Errorf("scan time from %T", src)
	}
	return nil
}

func (n *nullTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("scan time %q: %w", s, err)
	}
	n.Time = t.UTC()
	return nil
}

// Value lets a nullTime be written back; repositories use conn.t instead where the dialect matters.
func (n nullTime) Value() (driver.Value, error) {
	if n.IsZero() {
		return nil, nil
	}
	return n.Time, nil
}

// parseID reads an id column; a malformed one is corruption, so internal.
func parseID(s string) (domain.ID, error) {
	if s == "" {
		return domain.ID{}, nil
	}
	id, err := domain.ParseID(s)
	if err != nil {
		return domain.ID{}, domain.Errorf(domain.KindInternal, "stored id %q: %w", s, err)
	}
	return id, nil
}

// idArg encodes an id for either dialect (the zero id is NULL).
func idArg(id domain.ID) any {
	if id.IsZero() {
		return nil
	}
	return id.String()
}

// uniqueViolation reports the constraint a unique violation hit, if err is one.
func uniqueViolation(err error) (constraint string, ok bool) {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.Constraint, true
	}
	var se *sqlite.Error
	if errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		// SQLite names the columns, not the constraint: "UNIQUE constraint failed: users.email".
		msg := se.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			return strings.TrimSuffix(msg[i+2:], ")"), true
		}
		return msg, true
	}
	return "", false
}

// isForeignKeyViolation reports whether err is a foreign-key violation.
func isForeignKeyViolation(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == "23503"
	}
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// classify gives a storage error its domain kind, keeping the cause for the log. notFound is what
// sql.ErrNoRows means to the caller.
func classify(err error, notFound *domain.Error, op string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) && notFound != nil {
		return notFound
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return domain.Errorf(domain.KindUnavailable, "%s: %w", op, err)
	}
	if isUnavailable(err) {
		return domain.Errorf(domain.KindUnavailable, "%s: %w", op, err)
	}
	return domain.Errorf(domain.KindInternal, "%s: %w", op, err)
}

func isUnavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	// A connection the server (or a proxy before it) closed while it was being opened: lib/pq
	// returns the bare EOF of its startup read, which database/sql hands on as it is — while
	// PostgreSQL restarts, or a port is published before the server behind it listens. (An EOF
	// mid-statement lib/pq reports as driver.ErrBadConn, above; an unexpected EOF may follow a
	// statement the server ran, so it is not taken for unavailable.)
	if errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		// Class 08: connection exceptions; 53: insufficient resources; 57P0x: operator intervention.
		c := string(pe.Code)
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "53") || strings.HasPrefix(c, "57P0")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
			return true
		}
	}
	return false
}

// errNoRow marks "no row" where absence is not an error for the caller.
var errNoRow = domain.E(domain.KindNotFound, "no_row", "no row")
