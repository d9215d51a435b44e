package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/postgres"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/streamtest"
	"github.com/companionhub/companionhub/usecase/stream"
)

// streamDB returns a pool on a migrated database private to tb, and its URL for the listener.
func streamDB(tb testing.TB) (*sqlx.DB, secret.String) {
	tb.Helper()
	dsn := secret.String(containers.NewPostgresDB(tb, "sqlstore", sqlstore.MigrateURL))
	db, err := sqlstore.Open(tb.Context(), sqlstore.Config{URL: dsn, MaxOpenConns: 24})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	return db.X, dsn
}

func newStreamBus(tb testing.TB, db *sqlx.DB, dsn secret.String) *postgres.StreamBus {
	bus := postgres.NewStreamBus(db, dsn)
	tb.Cleanup(func() { _ = bus.Close() })
	return bus
}

// Every subtest gets a bus of its own on one database: the suite's two-bus test is then two
// replicas, each with its own listener.
func TestStreamBusPostgres(t *testing.T) {
	db, dsn := streamDB(t)
	streamtest.Run(t, func(t *testing.T) stream.Bus { return newStreamBus(t, db, dsn) })
}

// The listener's connection is cut while a subscriber follows a turn and events are published: the
// notifications of the outage are lost for good, and the subscriber must get the events from the
// table when the listener is back.
func TestStreamBusPostgresSurvivesListenerReconnection(t *testing.T) {
	t.Parallel()
	db, dsn := streamDB(t)
	bus := newStreamBus(t, db, dsn)
	turn := domain.NewID(time.Now())
	sub, err := bus.Subscribe(t.Context(), turn, 0)
	require.NoError(t, err)
	defer sub.Close()

	// cut terminates the listener's backend, once it has one again after the previous cut.
	cut := func() {
		deadline := time.Now().Add(20 * time.Second)
		for {
			var n int
			require.NoError(t, db.GetContext(t.Context(), &n, `SELECT count(pg_terminate_backend(pid))
				FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`))
			if n == 1 {
				return
			}
			require.Zero(t, n, "one listener per bus")
			require.True(t, time.Now().Before(deadline), "the listener did not reconnect")
			select {
			case <-t.Context().Done():
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	const events = 50
	for i := 1; i <= events; i++ {
		if i == 10 || i == 30 {
			cut()
		}
		_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{"text":"x"}`))
		require.NoError(t, err)
	}
	for want := int64(1); want <= events; want++ {
		e := awaittest.Next(t, sub, fmt.Sprintf("event %d", want))
		require.Equal(t, want, e.Seq)
	}
}

// Cleanup deletes the rows of expired turns, and only theirs.
func TestStreamBusPostgresCleanupDeletesExpiredTurns(t *testing.T) {
	t.Parallel()
	db, dsn := streamDB(t)
	bus := newStreamBus(t, db, dsn)
	live, expired := domain.NewID(time.Now()), domain.NewID(time.Now())
	for _, turn := range []domain.ID{live, expired} {
		for range 3 {
			_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
			require.NoError(t, err)
		}
	}
	_, err := db.ExecContext(t.Context(), `INSERT INTO turn_streams (turn_id, last_seq, expires_at)
		SELECT gen_random_uuid(), 0, now() - interval '1 hour' FROM generate_series(1, 250)`)
	require.NoError(t, err)
	require.NoError(t, bus.Expire(t.Context(), live, time.Hour))
	require.NoError(t, bus.Expire(t.Context(), expired, 0))

	n, err := bus.Cleanup(t.Context())
	require.NoError(t, err)
	assert.Positive(t, n)
	var turns []string
	require.NoError(t, db.SelectContext(t.Context(), &turns, `SELECT DISTINCT turn_id::text FROM turn_events`))
	assert.Equal(t, []string{live.String()}, turns)
	var left int
	require.NoError(t, db.GetContext(t.Context(), &left, `SELECT count(*) FROM turn_streams WHERE expires_at <= now()`))
	assert.Zero(t, left)
}

// An expired turn's rows stay until a cleanup deletes them; Last, like a subscription's read, must
// not count them.
func TestStreamBusPostgresLastIgnoresExpiredRows(t *testing.T) {
	t.Parallel()
	db, dsn := streamDB(t)
	bus := newStreamBus(t, db, dsn)
	turn := domain.NewID(time.Now())
	for range 3 {
		_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
		require.NoError(t, err)
	}
	_, err := db.ExecContext(t.Context(), `UPDATE turn_streams SET expires_at = now() - interval '1 second'
		WHERE turn_id = $1`, turn.String())
	require.NoError(t, err)

	seq, err := bus.Last(t.Context(), turn)
	require.NoError(t, err)
	assert.Zero(t, seq)
	var rows int
	require.NoError(t, db.GetContext(t.Context(), &rows, `SELECT count(*) FROM turn_events WHERE turn_id = $1`, turn.String()))
	assert.Equal(t, 3, rows, "the rows are still there: Last read past them, it did not delete them")
}

// A closed bus refuses new work while its database is fine.
func TestStreamBusPostgresClose(t *testing.T) {
	t.Parallel()
	db, dsn := streamDB(t)
	bus := postgres.NewStreamBus(db, dsn)
	turn := domain.NewID(time.Now())
	_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	require.NoError(t, err)
	require.NoError(t, bus.Close())

	_, err = bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	_, err = bus.Subscribe(t.Context(), turn, 0)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	_, err = bus.Last(t.Context(), turn)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	require.NoError(t, bus.Close(), "a second Close is harmless")
}

func TestStreamBusPostgresDownIsUnavailable(t *testing.T) {
	t.Parallel()
	dsn := secret.String("postgres://u:p@" + deadAddr(t) + "/db?sslmode=disable&connect_timeout=2")
	db, err := sqlstore.Open(t.Context(), sqlstore.Config{URL: dsn, MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	bus := newStreamBus(t, db.X, dsn)
	turn := domain.NewID(time.Now())

	_, err = bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	_, err = bus.Subscribe(t.Context(), turn, 0)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(bus.Expire(t.Context(), turn, time.Minute)))
	_, err = bus.Last(t.Context(), turn)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
}

// A database whose schema lacks the tables is as unusable as one that is down.
func TestStreamBusPostgresWithoutMigrationIsUnavailable(t *testing.T) {
	t.Parallel()
	dsn := secret.String(containers.NewPostgresDB(t, "empty", func(context.Context, string) error { return nil }))
	db, err := sqlstore.Open(t.Context(), sqlstore.Config{URL: dsn, MaxOpenConns: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	bus := newStreamBus(t, db.X, dsn)
	turn := domain.NewID(time.Now())

	_, err = bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	_, err = bus.Subscribe(t.Context(), turn, 0)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	_, err = bus.Last(t.Context(), turn)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
}

// BenchmarkStreamBusPostgres compares publishing with the cheapest round trip to the same server.
func BenchmarkStreamBusPostgres(b *testing.B) {
	db, dsn := streamDB(b)
	bus := newStreamBus(b, db, dsn)
	b.Run("publish", func(b *testing.B) { streamtest.BenchmarkPublish(b, bus) })
	b.Run("publish-parallel", func(b *testing.B) { streamtest.BenchmarkPublishParallel(b, bus) })
	b.Run("deliver", func(b *testing.B) { streamtest.BenchmarkDeliver(b, bus) })
	b.Run("baseline-select1", func(b *testing.B) {
		for b.Loop() {
			var one int
			if err := db.QueryRowContext(b.Context(), "SELECT 1").Scan(&one); err != nil {
				b.Fatal(err)
			}
		}
	})
}
