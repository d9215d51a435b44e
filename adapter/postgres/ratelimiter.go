// Package postgres holds what only PostgreSQL can do for Companion Hub, beyond the repositories of
// adapter/sqlstore: state shared by every replica through the one database they already have, with
// no extra server to run. It takes the *sqlx.DB sqlstore opens, and its tables come from sqlstore's
// migrations.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/wire"
	"github.com/jmoiron/sqlx"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// ProviderSet provides the PostgreSQL rate limiter as the ratelimit.Limiter port.
var ProviderSet = wire.NewSet(NewRateLimiter, wire.Bind(new(ratelimit.Limiter), new(*RateLimiter)))

var _ ratelimit.Limiter = (*RateLimiter)(nil)

// decide is the whole decision as one statement, so it is atomic without a transaction and costs one
// round trip. $1 is the key, $2 the interval and $3 the burst window (Count intervals), both in
// microseconds, the resolution of timestamptz. now() is the database's clock, shared by every
// replica however far their own clocks drift.
//
// The upsert counts the request only when it fits. When it does not, ON CONFLICT still locks the row
// it examined, and the second branch reads that row under FOR UPDATE, which in READ COMMITTED returns
// its latest version — the one the upsert judged — so the wait it yields is exact. A denial writes
// nothing, so a client hammering a closed limit adds no dead rows or WAL.
//
// The second branch finds no row only when the row was inserted after this statement's snapshot was
// taken and then denied this request; Allow runs the statement again, which is safe because a
// denied request counted nothing.
const decide = `
WITH counted AS (
	INSERT INTO rate_limits AS r (key, tat)
	VALUES ($1, now() + $2::float8 * interval '1 microsecond')
	ON CONFLICT (key) DO UPDATE
		SET tat = greatest(r.tat, now()) + $2::float8 * interval '1 microsecond'
		WHERE greatest(r.tat, now()) + $2::float8 * interval '1 microsecond'
			<= now() + $3::float8 * interval '1 microsecond'
	RETURNING tat
)
SELECT true, tat, now() FROM counted
UNION ALL
SELECT false, tat, now() FROM (SELECT tat FROM rate_limits WHERE key = $1 FOR UPDATE) AS current
WHERE NOT EXISTS (SELECT FROM counted)`

// cleanup deletes a bounded batch of rows that no longer matter: a row whose TAT has passed behaves
// like no row. The minute of grace keeps it from deleting a row that a decision which started
// earlier (and so has an earlier now()) still sees as live. SKIP LOCKED leaves busy keys alone.
const cleanup = `
DELETE FROM rate_limits WHERE key IN (
	SELECT key FROM rate_limits WHERE tat < now() - interval '1 minute'
	ORDER BY tat LIMIT $1 FOR UPDATE SKIP LOCKED)`

const (
	cleanupBatch = 1000
	// cleanupEvery spaces the clean-ups of one replica; a full batch makes the next one due at once,
	// so the deletes keep up with any rate of new keys while each stays small.
	cleanupEvery = time.Minute
	// retries bounds the re-runs of a decision that raced with a new row (see decide).
	retries = 5
)

// RateLimiter is the generic cell rate algorithm over the rate_limits table: one theoretical arrival
// time (TAT) per key. It runs no goroutine: each replica deletes expired rows itself, a bounded batch
// at a time, on the back of a decision.
type RateLimiter struct {
	db *sqlx.DB

	// stmt is decide, prepared on first use (the constructor has no context and cannot fail): a
	// prepared statement is one round trip per decision, an unprepared one with parameters two.
	stmt atomic.Pointer[sql.Stmt]
	mu   sync.Mutex // serialises preparing and closing stmt

	nextCleanup atomic.Int64 // Unix nanoseconds
}

// NewRateLimiter returns a limiter over db, whose schema must include the rate_limits table.
func NewRateLimiter(db *sqlx.DB) *RateLimiter {
	return &RateLimiter{db: db}
}

// Allow implements ratelimit.Limiter.
func (l *RateLimiter) Allow(ctx context.Context, key string, limit ratelimit.Limit) (ratelimit.Decision, error) {
	if err := ratelimit.CheckRequest(key, limit); err != nil {
		return ratelimit.Decision{}, err
	}
	stmt, err := l.prepared(ctx)
	if err != nil {
		return ratelimit.Decision{}, err
	}
	// The burst window is Count whole intervals rather than Period: the interval is rounded down to
	// microseconds, and comparing with Period could then let a burst of Count+1 through.
	interval := limit.Interval().Microseconds()
	window := interval * int64(limit.Count)
	for range retries {
		var allowed bool
		var tat, now time.Time
		err := stmt.QueryRowContext(ctx, key, interval, window).Scan(&allowed, &tat, &now)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return ratelimit.Decision{}, unavailable(err)
		}
		l.maybeCleanup(ctx)
		ahead := tat.Sub(now).Microseconds()
		if !allowed {
			return ratelimit.Decision{RetryAfter: time.Duration(ahead+interval-window) * time.Microsecond}, nil
		}
		return ratelimit.Decision{Allowed: true, Remaining: int((window - ahead) / interval)}, nil
	}
	return ratelimit.Decision{}, domain.Errorf(domain.KindUnavailable,
		"rate limit: no decision after %d attempts racing with new rows", retries)
}

func (l *RateLimiter) prepared(ctx context.Context) (*sql.Stmt, error) {
	if stmt := l.stmt.Load(); stmt != nil {
		return stmt, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if stmt := l.stmt.Load(); stmt != nil {
		return stmt, nil
	}
	stmt, err := l.db.PrepareContext(ctx, decide)
	if err != nil {
		return nil, unavailable(err)
	}
	l.stmt.Store(stmt)
	return stmt, nil
}

// maybeCleanup deletes one batch of expired rows when this replica's turn has come. Its errors are
// dropped on purpose: expired rows are harmless, and the next turn retries.
func (l *RateLimiter) maybeCleanup(ctx context.Context) {
	now := time.Now().UnixNano()
	due := l.nextCleanup.Load()
	if now < due || !l.nextCleanup.CompareAndSwap(due, now+int64(cleanupEvery)) {
		return
	}
	res, err := l.db.ExecContext(ctx, cleanup, cleanupBatch)
	if err != nil {
		return
	}
	if n, err := res.RowsAffected(); err == nil && n == cleanupBatch {
		l.nextCleanup.Store(0)
	}
}

// Close releases the prepared statement; the database itself belongs to the caller.
func (l *RateLimiter) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if stmt := l.stmt.Swap(nil); stmt != nil {
		return stmt.Close()
	}
	return nil
}

// unavailable classifies a store failure. Every failure of this one statement is the store's: it
// cannot be reached, is overloaded or shutting down, or lacks its migration; retrying later is the
// only remedy, and the caller's rule decides whether to fail open meanwhile.
func unavailable(err error) error {
	return domain.Errorf(domain.KindUnavailable, "rate limit store: %w", err)
}
