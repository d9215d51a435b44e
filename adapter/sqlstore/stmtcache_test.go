package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/secret"
)

type kv struct {
	K string `db:"k"`
	V int    `db:"v"`
}

// openKV opens an SQLite database of its own with one table, kv.
func openKV(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), Config{URL: secret.String("sqlite:" + filepath.Join(t.TempDir(), "kv.db")), MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.X.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`)
	require.NoError(t, err)
	require.Zero(t, db.stmts.prepares.Load(), "statements run on db.X directly are not cached")
	return db
}

// cached reports how many statements db's cache holds.
func cached(db *DB) int {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	return len(db.stmts.stmts)
}

func TestStatementsArePreparedOnceOnThePool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openKV(t)
	c := db.conn(db.X)
	for i := range 10 {
		n, err := c.exec(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, fmt.Sprint("k", i), i)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		var got kv
		require.NoError(t, c.get(ctx, &got, `SELECT k, v FROM kv WHERE k = ?`, fmt.Sprint("k", i)))
		require.Equal(t, kv{K: fmt.Sprint("k", i), V: i}, got, "struct scanning works on a statement")
		var all []kv
		require.NoError(t, c.sel(ctx, &all, `SELECT k, v FROM kv ORDER BY v`))
		require.Len(t, all, i+1)
	}
	require.EqualValues(t, 3, db.stmts.prepares.Load(), "each statement is prepared at its first run only")
	require.EqualValues(t, 27, db.stmts.hits.Load())
	require.Equal(t, 3, cached(db))

	var got kv
	require.ErrorIs(t, c.get(ctx, &got, `SELECT k, v FROM kv WHERE k = ?`, "none"), sql.ErrNoRows)
	_, err := c.exec(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, "k0", 0)
	_, dup := uniqueViolation(err)
	require.True(t, dup, "driver errors come through unchanged: %v", err)
}

func TestTransactionsUseTheCache(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := openKV(t)
	// One connection: a transaction that prepared a statement on the pool would wait for itself.
	db.X.SetMaxOpenConns(1)
	put := func(k string, v int) error {
		return db.inTx(ctx, func(c conn) error {
			if _, err := c.exec(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, k, v); err != nil {
				return err
			}
			var n int
			if err := c.get(ctx, &n, `SELECT count(*) FROM kv`); err != nil {
				return err
			}
			if n < 1 {
				return fmt.Errorf("count %d after an insert", n)
			}
			return nil
		})
	}

	require.NoError(t, put("a", 1))
	require.Zero(t, db.stmts.hits.Load(), "the first transaction runs its statements unprepared")
	require.EqualValues(t, 2, db.stmts.prepares.Load(), "and they are prepared once it has ended")
	require.Equal(t, 2, cached(db))

	for i := range 5 {
		require.NoError(t, put(fmt.Sprint("b", i), i))
	}
	require.EqualValues(t, 10, db.stmts.hits.Load(), "later transactions run the cached statements")
	require.EqualValues(t, 2, db.stmts.prepares.Load())

	// A rolled-back transaction's writes are gone, the cached statements stay usable.
	err := db.inTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, "rolled back", 0); err != nil {
			return err
		}
		return fmt.Errorf("give up")
	})
	require.EqualError(t, err, "give up")
	var n int
	require.NoError(t, db.conn(db.X).get(ctx, &n, `SELECT count(*) FROM kv`))
	require.Equal(t, 6, n)
}

func TestConcurrentFirstRunsCacheOneStatement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openKV(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range cap(errs) {
		wg.Go(func() {
			var n int
			errs <- db.conn(db.X).get(ctx, &n, `SELECT count(*) FROM kv`)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, cached(db), "one statement is kept however many first runs raced")
}

func TestTheCacheIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openKV(t)
	db.stmts.limit = 2
	c := db.conn(db.X)
	for i := range 5 {
		var n int
		require.NoError(t, c.get(ctx, &n, fmt.Sprintf(`SELECT count(*) + %d FROM kv`, i)))
		require.Equal(t, i, n, "a query beyond the bound runs unprepared")
	}
	require.Equal(t, 2, cached(db))
	require.NoError(t, db.inTx(ctx, func(c conn) error {
		for i := range 5 {
			var n int
			if err := c.get(ctx, &n, fmt.Sprintf(`SELECT count(*) + %d FROM kv WHERE v >= 0`, i)); err != nil {
				return err
			}
		}
		return nil
	}))
	require.Equal(t, 2, cached(db))
}

func TestCloseClosesTheCachedStatements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openKV(t)
	c := db.conn(db.X)
	for i := range 3 {
		_, err := c.exec(ctx, `INSERT INTO kv (k, v) VALUES (?, ?)`, fmt.Sprint(i), i)
		require.NoError(t, err)
	}
	var one int
	require.NoError(t, c.get(ctx, &one, `SELECT v FROM kv WHERE k = ?`, "1"))

	// Rows still open on a cached statement outlive its closing: database/sql finalises it after.
	s, _ := c.prepared(ctx, `SELECT k, v FROM kv ORDER BY v`)
	require.NotNil(t, s)
	rows, err := s.QueryxContext(ctx)
	require.NoError(t, err)
	require.True(t, rows.Next())

	db.stmts.mu.Lock()
	held := make([]func() error, 0, len(db.stmts.stmts))
	for _, s := range db.stmts.stmts {
		held = append(held, func() error { _, err := s.ExecContext(ctx); return err })
	}
	db.stmts.mu.Unlock()
	require.Len(t, held, 3)
	require.NoError(t, db.stmts.close())

	n := 1
	for rows.Next() {
		n++
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	require.Equal(t, 3, n)
	for _, run := range held {
		require.EqualError(t, run(), "sql: statement is closed")
	}

	require.NoError(t, c.get(ctx, &one, `SELECT v FROM kv WHERE k = ?`, "2"), "after the cache, queries run unprepared")
	require.Equal(t, 2, one)
	require.Equal(t, 0, cached(db))
	require.NoError(t, db.Close())
}

func TestPostgresHasNoStatementCache(t *testing.T) {
	t.Parallel()
	db, err := Open(context.Background(), Config{URL: "postgres://u@127.0.0.1:1/db", MaxOpenConns: 1})
	require.NoError(t, err, "PostgreSQL connects lazily")
	defer func() { _ = db.Close() }()
	require.Nil(t, db.stmts)
	require.Nil(t, db.conn(db.X).stmts)
}
