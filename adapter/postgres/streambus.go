package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/stream"
)

var _ stream.Bus = (*StreamBus)(nil)

// streamChannel is the one NOTIFY channel of every turn. One channel means one LISTEN per replica,
// made once, so a subscription never waits for a LISTEN round trip and never misses the events of
// the moment it was being set up; the cost is that every replica hears every turn's events and
// drops those nobody follows locally — a few hundred short messages a second at the scale one
// PostgreSQL serves. Per-turn channels would be the next step past that.
//
// LISTEN/NOTIFY is scoped to one database, so tests on databases of their own never hear each other.
const streamChannel = "companionhub_turn_events"

// publishSQL is the whole of Publish in one statement, hence one transaction and one round trip.
// The upsert takes the turn's counter row lock, which it holds until commit, so a turn's events
// commit — and their notifications are queued — in sequence order, and a reader never sees event
// n+1 without event n. The notification carries the whole event ("<turn> <seq> <attempt> <type>
// <data>", data last since it may hold spaces): subscribers then need no query per event, however
// many there are. CheckPublish keeps the payload under NOTIFY's 8000 bytes (see maxPayload).
//
// An expired turn is not counted on (the WHERE of DO UPDATE): the statement returns no row and
// Publish deletes the expired turn before trying again, so it starts again from 1 — as on the
// other buses, whose stores simply forget it.
const publishSQL = `
WITH s AS (
	INSERT INTO turn_streams AS s (turn_id, last_seq, expires_at)
	VALUES ($1::uuid, 1, now() + $5::float8 * interval '1 microsecond')
	ON CONFLICT (turn_id) DO UPDATE SET last_seq = s.last_seq + 1 WHERE s.expires_at > now()
	RETURNING turn_id, last_seq
), e AS (
	INSERT INTO turn_events (turn_id, seq, attempt, type, data)
	SELECT turn_id, last_seq, $2::integer, $3::text, $4::text FROM s
)
SELECT s.last_seq FROM s, LATERAL (SELECT pg_notify('` + streamChannel + `',
	s.turn_id::text || ' ' || s.last_seq || ' ' || $2::integer || ' ' || $3::text || ' ' || $4::text)) AS n`

// maxPayload is the longest notification publishSQL sends; the constant below stops the build if a
// larger MaxData ever made it exceed PostgreSQL's limit of 7999 bytes.
const maxPayload = len("00000000-0000-0000-0000-000000000000 9223372036854775807 2147483647 complete ") + stream.MaxData

const _ = uint(7999 - maxPayload)

const purgeExpiredSQL = `DELETE FROM turn_streams WHERE turn_id = $1 AND expires_at <= now()`

// readSQL pages through a turn's stored events; an expired turn reads as empty whether or not its
// rows have been deleted yet.
const readSQL = `
SELECT e.seq, e.attempt, e.type, e.data FROM turn_events AS e
JOIN turn_streams AS s ON s.turn_id = e.turn_id
WHERE e.turn_id = $1 AND e.seq > $2 AND s.expires_at > now()
ORDER BY e.seq LIMIT $3`

// lastSQL reads the turn's counter, which publishSQL moves in the transaction that stores the event
// it numbers, so it is never ahead of turn_events; an expired turn has none, as readSQL sees it.
const lastSQL = `SELECT last_seq FROM turn_streams WHERE turn_id = $1 AND expires_at > now()`

const expireSQL = `UPDATE turn_streams SET expires_at = now() + $2::float8 * interval '1 microsecond' WHERE turn_id = $1`

// cleanupSQL deletes a bounded batch of expired turns (their events go by the foreign key's
// cascade). SKIP LOCKED leaves turns being published to alone.
const cleanupSQL = `
DELETE FROM turn_streams WHERE turn_id IN (
	SELECT turn_id FROM turn_streams WHERE expires_at <= now()
	ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)`

const (
	// turnCleanupBatch turns of a few hundred events each: a delete of well under a second.
	turnCleanupBatch = 100
	// readPage bounds the events one query returns, so that catching up on a long turn is several
	// short queries rather than one that holds the rows of the whole turn.
	readPage = 500
)

var errBusClosed = domain.Errorf(domain.KindUnavailable, "stream bus: closed")

// StreamBus is the stream bus over PostgreSQL: events are rows of turn_events, for replay, and are
// announced with NOTIFY to one pq.Listener per bus, which fans them out to the local subscribers.
// It runs two goroutines once the first subscription needs them (the listener's and the one that
// dispatches its notifications), and one per subscription. Expired turns are deleted a bounded
// batch at a time on the back of Expire (at most once a minute per replica), or by Cleanup.
type StreamBus struct {
	db  *sqlx.DB
	dsn secret.String

	publish atomic.Pointer[sql.Stmt]
	stmtMu  sync.Mutex // serialises preparing and closing publish

	nextCleanup atomic.Int64 // Unix nanoseconds

	// mu guards what the subscriptions share.
	mu       sync.Mutex
	closed   bool
	listener *listener // nil until the first Subscribe, and after a listener that failed to start
	subs     map[domain.ID]map[*subscription]struct{}
	wg       sync.WaitGroup
}

// NewStreamBus returns a bus over db, whose schema must include sqlstore's turn tables. dsn is the
// same database's URL: the listener holds a connection of its own outside db's pool, since a
// pooled connection cannot wait for notifications.
func NewStreamBus(db *sqlx.DB, dsn secret.String) *StreamBus {
	return &StreamBus{db: db, dsn: dsn, subs: make(map[domain.ID]map[*subscription]struct{})}
}

// Publish implements stream.Bus.
func (b *StreamBus) Publish(ctx context.Context, turnID domain.ID, attempt int, typ chat.EventType, data []byte) (int64, error) {
	if err := stream.CheckPublish(turnID, attempt, typ, data); err != nil {
		return 0, err
	}
	stmt, err := b.prepared(ctx)
	if err != nil {
		return 0, err
	}
	id := turnID.String()
	retention := float64(stream.DefaultRetention.Microseconds())
	// Twice at most: the second attempt follows the deletion of an expired turn. A third would mean
	// the turn expired again in between, which only a zero retention could do.
	for range 2 {
		var seq int64
		err := stmt.QueryRowContext(ctx, id, attempt, string(typ), string(data), retention).Scan(&seq)
		if err == nil {
			return seq, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return 0, unavailableStream("publish", err)
		}
		if _, err := b.db.ExecContext(ctx, purgeExpiredSQL, id); err != nil {
			return 0, unavailableStream("publish", err)
		}
	}
	return 0, domain.Errorf(domain.KindUnavailable, "stream bus: turn %s expired twice while publishing", turnID)
}

func (b *StreamBus) prepared(ctx context.Context) (*sql.Stmt, error) {
	if stmt := b.publish.Load(); stmt != nil {
		return stmt, nil
	}
	b.stmtMu.Lock()
	defer b.stmtMu.Unlock()
	if b.isClosed() {
		return nil, errBusClosed
	}
	if stmt := b.publish.Load(); stmt != nil {
		return stmt, nil
	}
	stmt, err := b.db.PrepareContext(ctx, publishSQL)
	if err != nil {
		return nil, unavailableStream("prepare", err)
	}
	b.publish.Store(stmt)
	return stmt, nil
}

// Expire implements stream.Bus. A turn with no events has nothing to forget; one published later
// gets the default retention.
func (b *StreamBus) Expire(ctx context.Context, turnID domain.ID, ttl time.Duration) error {
	if err := stream.CheckExpire(turnID, ttl); err != nil {
		return err
	}
	if _, err := b.db.ExecContext(ctx, expireSQL, turnID.String(), float64(ttl.Microseconds())); err != nil {
		return unavailableStream("expire", err)
	}
	b.maybeCleanup(ctx)
	return nil
}

// Last implements stream.Bus.
func (b *StreamBus) Last(ctx context.Context, turnID domain.ID) (int64, error) {
	if err := stream.CheckLast(turnID); err != nil {
		return 0, err
	}
	if b.isClosed() {
		return 0, errBusClosed
	}
	var seq int64
	err := b.db.QueryRowContext(ctx, lastSQL, turnID.String()).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, unavailableStream("last", err)
	}
	return seq, nil
}

// maybeCleanup deletes one batch of expired turns when this replica's turn has come. Its errors are
// dropped on purpose: expired rows are invisible already, and the next turn retries.
func (b *StreamBus) maybeCleanup(ctx context.Context) {
	now := time.Now().UnixNano()
	due := b.nextCleanup.Load()
	if now < due || !b.nextCleanup.CompareAndSwap(due, now+int64(cleanupEvery)) {
		return
	}
	if n, err := b.cleanupBatch(ctx); err == nil && n == turnCleanupBatch {
		b.nextCleanup.Store(0) // more are waiting: the next Expire goes on
	}
}

// Cleanup deletes every expired turn and its events, a batch at a time, and returns how many turns
// it deleted; for a periodic job or an admin command. Expire already does this a batch at a time.
func (b *StreamBus) Cleanup(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := b.cleanupBatch(ctx)
		total += n
		if err != nil || n < turnCleanupBatch {
			return total, err
		}
	}
}

func (b *StreamBus) cleanupBatch(ctx context.Context) (int, error) {
	res, err := b.db.ExecContext(ctx, cleanupSQL, turnCleanupBatch)
	if err != nil {
		return 0, unavailableStream("cleanup", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, unavailableStream("cleanup", err)
	}
	return int(n), nil
}

// read returns up to limit stored events of the turn after the sequence number after.
func (b *StreamBus) read(ctx context.Context, turnID domain.ID, after int64, limit int) ([]chat.Event, error) {
	rows, err := b.db.QueryContext(ctx, readSQL, turnID.String(), after, limit)
	if err != nil {
		return nil, unavailableStream("read", err)
	}
	defer rows.Close()
	var out []chat.Event
	for rows.Next() {
		e := chat.Event{TurnID: turnID}
		var typ, data string
		if err := rows.Scan(&e.Seq, &e.Attempt, &typ, &data); err != nil {
			return nil, unavailableStream("read", err)
		}
		e.Type, e.Data = chat.EventType(typ), []byte(data)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailableStream("read", err)
	}
	return out, nil
}

// parsePayload reads a notification publishSQL sent.
func parsePayload(p string) (chat.Event, bool) {
	f := strings.SplitN(p, " ", 5)
	if len(f) != 5 {
		return chat.Event{}, false
	}
	id, err := domain.ParseID(f[0])
	if err != nil {
		return chat.Event{}, false
	}
	seq, err1 := strconv.ParseInt(f[1], 10, 64)
	attempt, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return chat.Event{}, false
	}
	return chat.Event{TurnID: id, Seq: seq, Attempt: attempt, Type: chat.EventType(f[3]), Data: []byte(f[4])}, true
}

func (b *StreamBus) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Close ends every subscription and the listener, waits for their goroutines, and releases the
// prepared statement; the database itself belongs to the caller. Later calls fail with
// KindUnavailable.
func (b *StreamBus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for _, subs := range b.subs {
		for s := range subs {
			s.Stop()
		}
	}
	ln := b.listener
	b.mu.Unlock()
	if ln != nil {
		_ = ln.l.Close() // ends the dispatcher, which drains the listener until it has stopped
	}
	b.wg.Wait()
	b.stmtMu.Lock()
	defer b.stmtMu.Unlock()
	if stmt := b.publish.Swap(nil); stmt != nil {
		return stmt.Close()
	}
	return nil
}

// unavailableStream classifies a store failure: as for the rate limiter, every failure of these
// statements is the store's (down, overloaded, or lacking its migration), and retrying is the remedy.
func unavailableStream(op string, err error) error {
	return domain.Errorf(domain.KindUnavailable, "stream bus %s: %w", op, err)
}
