package sqlstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/secret"
)

// On SQLite, writes on the pool queue with the transactions for the one writer, in this process;
// reads never queue, and statements inside a transaction hold its place already.
func TestSQLiteWritesQueueForTheWriter(t *testing.T) {
	t.Parallel()
	for query, write := range map[string]bool{
		"INSERT INTO t VALUES (1)": true, "  update turns SET x = 1 RETURNING id": true, "DELETE FROM t": true,
		"WITH x AS (SELECT 1) UPDATE t SET y = 1": true, "SELECT * FROM turns": false, "": false,
	} {
		require.Equal(t, write, isWrite(query), "%q", query)
	}

	ctx := context.Background()
	db, err := Open(ctx, Config{URL: secret.String("sqlite:" + filepath.Join(t.TempDir(), "hub.db")), MaxOpenConns: 1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	pool := db.conn(db.X)
	_, err = pool.exec(ctx, `CREATE TABLE t (v INTEGER)`)
	require.NoError(t, err)

	db.writers <- struct{}{} // another writer's turn
	waiting, cancel := context.WithCancel(ctx)
	cancel()
	_, err = pool.queue(waiting, `INSERT INTO t VALUES (1)`)
	require.ErrorIs(t, err, context.Canceled, "a write waits for its turn")
	release, err := pool.queue(waiting, `SELECT count(*) FROM t`)
	require.NoError(t, err, "a read does not wait")
	release()
	<-db.writers
	release, err = pool.queue(ctx, `INSERT INTO t VALUES (1)`)
	require.NoError(t, err)
	require.Len(t, db.writers, 1, "a write holds the turn while it runs")
	release()
	require.Empty(t, db.writers)

	require.NoError(t, db.inTx(ctx, func(c conn) error {
		require.Nil(t, c.writers, "a transaction holds the turn already")
		_, err := c.exec(ctx, `INSERT INTO t VALUES (2)`)
		return err
	}))
	_, err = pool.exec(ctx, `INSERT INTO t VALUES (3)`)
	require.NoError(t, err)
}
