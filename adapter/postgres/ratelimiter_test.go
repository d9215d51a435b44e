package postgres_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/postgres"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/containers"
	"github.com/companionhub/companionhub/test/contract/ratelimitertest"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

func TestMain(m *testing.M) { containers.Main(m) }

// openDB returns a pool on a migrated database of a real PostgreSQL server, private to tb.
func openDB(tb testing.TB) *sqlx.DB {
	tb.Helper()
	db, err := sqlstore.Open(tb.Context(), sqlstore.Config{URL: secret.String(containers.NewPostgresDB(tb, "sqlstore", sqlstore.MigrateURL)), MaxOpenConns: 16})
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = db.Close() })
	return db.X
}

func TestRateLimiterPostgres(t *testing.T) {
	l := postgres.NewRateLimiter(openDB(t))
	t.Cleanup(func() { _ = l.Close() })
	ratelimitertest.Run(t, func(*testing.T) ratelimit.Limiter { return l })
}

// Two replicas, each with its own pool, share one budget per key.
func TestRateLimiterPostgresIsSharedByReplicas(t *testing.T) {
	t.Parallel()
	dsn := containers.NewPostgresDB(t, "sqlstore", sqlstore.MigrateURL)
	var replicas []*postgres.RateLimiter
	for range 2 {
		db, err := sqlstore.Open(t.Context(), sqlstore.Config{URL: secret.String(dsn), MaxOpenConns: 2})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		replicas = append(replicas, postgres.NewRateLimiter(db.X))
	}
	limit := ratelimit.Limit{Count: 5, Period: time.Hour}
	allowed := 0
	for i := range 12 {
		d, err := replicas[i%2].Allow(t.Context(), "shared", limit)
		require.NoError(t, err)
		if d.Allowed {
			allowed++
		}
	}
	assert.Equal(t, limit.Count, allowed)
}

// Rows whose TAT has long passed are deleted by the decisions themselves; live rows stay.
func TestRateLimiterPostgresDeletesExpiredRows(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	_, err := db.ExecContext(t.Context(), `INSERT INTO rate_limits (key, tat)
		SELECT 'old:' || i, now() - interval '2 minutes' - i * interval '1 second' FROM generate_series(1, 50) AS i
		UNION ALL SELECT 'recent', now() - interval '1 second'
		UNION ALL SELECT 'live', now() + interval '1 hour'`)
	require.NoError(t, err)

	l := postgres.NewRateLimiter(db)
	_, err = l.Allow(t.Context(), "trigger", ratelimit.Limit{Count: 1, Period: time.Hour})
	require.NoError(t, err)

	var keys []string
	require.NoError(t, db.SelectContext(t.Context(), &keys, "SELECT key FROM rate_limits ORDER BY key"))
	assert.Equal(t, []string{"live", "recent", "trigger"}, keys)
}

func TestRateLimiterPostgresDownIsUnavailable(t *testing.T) {
	t.Parallel()
	db, err := sqlstore.Open(t.Context(), sqlstore.Config{URL: secret.String("postgres://u:p@" + deadAddr(t) + "/db?sslmode=disable&connect_timeout=2"), MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	_, err = postgres.NewRateLimiter(db.X).Allow(t.Context(), "k", ratelimit.Limit{Count: 1, Period: time.Minute})
	require.Error(t, err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr, "the cause is kept for the log")
}

// A database whose schema lacks the table is as unusable as one that is down.
func TestRateLimiterPostgresWithoutMigrationIsUnavailable(t *testing.T) {
	t.Parallel()
	db, err := sqlstore.Open(t.Context(), sqlstore.Config{URL: secret.String(containers.NewPostgresDB(t, "empty", func(context.Context, string) error { return nil })), MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	_, err = postgres.NewRateLimiter(db.X).Allow(t.Context(), "k", ratelimit.Limit{Count: 1, Period: time.Minute})
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
}

// deadAddr is an address where nothing listens any more.
func deadAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// BenchmarkRateLimiterPostgres compares a decision with the cheapest round trip to the same server
// (SELECT 1); the ratio is the decision's cost in round trips.
func BenchmarkRateLimiterPostgres(b *testing.B) {
	db := openDB(b)
	l := postgres.NewRateLimiter(db)
	b.Cleanup(func() { _ = l.Close() })
	selectOne := func(ctx context.Context) error {
		var one int
		return db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	b.Run("allow", func(b *testing.B) { ratelimitertest.BenchmarkAllow(b, l) })
	b.Run("deny", func(b *testing.B) { ratelimitertest.BenchmarkDeny(b, l) })
	b.Run("baseline-select1", func(b *testing.B) { ratelimitertest.BenchmarkRoundTrip(b, selectOne) })
	b.Run("allow-parallel", func(b *testing.B) { ratelimitertest.BenchmarkAllowParallel(b, l) })
	b.Run("baseline-select1-parallel", func(b *testing.B) { ratelimitertest.BenchmarkRoundTripParallel(b, selectOne) })
}
