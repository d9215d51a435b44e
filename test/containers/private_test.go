package containers_test

import (
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/containers"
)

// A private PostgreSQL keeps its address and its data across a stop and a start; while stopped,
// nothing answers there.
func TestPrivatePostgresRestartsWhereItWas(t *testing.T) {
	t.Parallel()
	pg, dsn := containers.NewPrivatePostgres(t, migrateItems("private"))
	db := open(t, dsn)
	_, err := db.ExecContext(t.Context(), "INSERT INTO items VALUES (2, 'written before the restart')")
	require.NoError(t, err)

	pg.Stop(t)
	require.Error(t, db.PingContext(t.Context()), "a stopped server answers nothing")
	pg.Start(t)

	var n int
	require.NoError(t, db.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(&n), "the same DSN reaches it again")
	assert.Equal(t, 2, n, "what was committed before the restart is kept")
}

// A private Redis keeps its address across a stop and a start (and, like a cache, none of its data).
func TestPrivateRedisRestartsWhereItWas(t *testing.T) {
	t.Parallel()
	rd, url := containers.NewPrivateRedis(t)
	assert.NotEqual(t, containers.RedisURL(t), url, "not the shared server")
	opt, err := goredis.ParseURL(url)
	require.NoError(t, err)
	opt.MaxRetries = -1
	c := goredis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Set(t.Context(), "k", "v", 0).Err())

	rd.Stop(t)
	require.Error(t, c.Ping(t.Context()).Err(), "a stopped server answers nothing")
	rd.Start(t)

	require.NoError(t, c.Ping(t.Context()).Err(), "the same address reaches it again")
	assert.EqualValues(t, 0, c.Exists(t.Context(), "k").Val())
}
