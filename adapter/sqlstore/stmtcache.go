package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
)

// maxCachedStmts bounds the statement cache. The repositories write a few dozen distinct statements;
// the rest of the room is for those built with a variable number of placeholders (IN lists), which
// beyond the bound run uncached instead of growing the cache without limit.
const maxCachedStmts = 256

// stmtCache keeps SQLite statements prepared: one *sql.Stmt per query text, prepared on the pool at
// its first use and kept until the database closes. database/sql prepares such a statement on each
// pooled connection the first time it runs there and keeps it for the connection's life, so a
// statement is compiled once per connection instead of at every run; the pure-Go driver's
// sqlite3_prepare_v2 is otherwise a fifth of the CPU a chat turn costs.
//
// Statements are never evicted, only added up to the limit, so none is closed while a caller holds it.
//
// PostgreSQL has none: named prepared statements break behind PgBouncer in transaction mode, which
// deployments may put in front of it; lib/pq runs each query as an unnamed statement instead.
type stmtCache struct {
	x     *sqlx.DB
	limit int

	mu     sync.Mutex
	stmts  map[string]*sqlx.Stmt
	wanted map[string]struct{} // run in a transaction before they were cached; see fill
	closed bool

	prepares atomic.Int64 // statements prepared on the pool, a race's losers included
	hits     atomic.Int64 // runs of a cached statement, on the pool or in a transaction
}

func newStmtCache(x *sqlx.DB, limit int) *stmtCache {
	return &stmtCache{x: x, limit: limit, stmts: map[string]*sqlx.Stmt{}, wanted: map[string]struct{}{}}
}

// pool returns query's statement for a run on the pool, preparing it at its first use, and the
// function to call once the run is over. A nil statement means: run the query unprepared (the cache
// is full or closed, or preparing failed, which the unprepared run reports better).
func (sc *stmtCache) pool(ctx context.Context, query string) (*sqlx.Stmt, func()) {
	sc.mu.Lock()
	s, ok := sc.stmts[query]
	full := sc.closed || len(sc.stmts)+len(sc.wanted) >= sc.limit
	sc.mu.Unlock()
	switch {
	case ok:
		sc.hits.Add(1)
		return s, func() {}
	case full:
		return nil, nil
	}
	s, err := sc.prepare(ctx, query)
	if err != nil {
		return nil, nil
	}
	s, own := sc.add(query, s)
	if own {
		return s, func() { _ = s.Close() }
	}
	return s, func() {}
}

// tx returns query's statement bound to tx, and the function that closes that binding once the run
// is over (which leaves the cached statement open). Tx.StmtContext reuses the statement the cached
// one has already prepared on the transaction's connection, or prepares it there and keeps it in the
// cached one for later runs.
//
// A query not cached yet is not prepared now: preparing on the pool needs a second connection while
// the transaction holds one, and with every connection held by a transaction — or waiting for
// SQLite's write lock behind one — that would wait for the busy timeout. It is noted instead, and
// prepared by fill once the transaction has ended; nil means run it unprepared meanwhile.
func (sc *stmtCache) tx(ctx context.Context, tx *sqlx.Tx, query string) (*sqlx.Stmt, func()) {
	sc.mu.Lock()
	s, ok := sc.stmts[query]
	if !ok && !sc.closed && len(sc.stmts)+len(sc.wanted) < sc.limit {
		sc.wanted[query] = struct{}{}
	}
	sc.mu.Unlock()
	if !ok {
		return nil, nil
	}
	sc.hits.Add(1)
	ts := tx.StmtxContext(ctx, s)
	return ts, func() { _ = ts.Close() }
}

// fill prepares on the pool the statements transactions ran before they were cached. The caller
// holds no connection. A statement that fails to prepare is left out; the next transaction to run
// it notes it again.
func (sc *stmtCache) fill(ctx context.Context) {
	if sc == nil {
		return
	}
	sc.mu.Lock()
	if len(sc.wanted) == 0 {
		sc.mu.Unlock()
		return
	}
	queries := make([]string, 0, len(sc.wanted))
	for q := range sc.wanted {
		queries = append(queries, q)
	}
	clear(sc.wanted)
	sc.mu.Unlock()
	for _, q := range queries {
		s, err := sc.prepare(ctx, q)
		if err != nil {
			continue
		}
		if s, own := sc.add(q, s); own {
			_ = s.Close()
		}
	}
}

func (sc *stmtCache) prepare(ctx context.Context, query string) (*sqlx.Stmt, error) {
	s, err := sc.x.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare statement: %w", err)
	}
	sc.prepares.Add(1)
	return s, nil
}

// add caches s, freshly prepared for query, and returns the statement to run: the one cached first
// if another caller won the race (s is closed), or s. own reports that s was not cached (the cache is
// full or closed), so the caller closes it after its run.
func (sc *stmtCache) add(query string, s *sqlx.Stmt) (_ *sqlx.Stmt, own bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if won, ok := sc.stmts[query]; ok {
		_ = s.Close()
		return won, false
	}
	if sc.closed || len(sc.stmts) >= sc.limit {
		return s, true
	}
	sc.stmts[query] = s
	return s, false
}

// close closes the cached statements; later runs go unprepared. database/sql finalises a statement
// only once the runs still using it (open rows, transaction bindings) are over.
func (sc *stmtCache) close() error {
	if sc == nil {
		return nil
	}
	sc.mu.Lock()
	stmts := sc.stmts
	sc.stmts, sc.wanted, sc.closed = nil, nil, true
	sc.mu.Unlock()
	var errs []error
	for _, s := range stmts {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close cached statement: %w", err))
		}
	}
	return errors.Join(errs...)
}
