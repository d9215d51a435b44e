package containers_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/containers"
)

func TestMain(m *testing.M) { containers.Main(m) }

// migrations counts how often each template was prepared; it must be once per process.
var migrations sync.Map // template name → *atomic.Int32

func migrateItems(name string) func(ctx context.Context, dsn string) error {
	n, _ := migrations.LoadOrStore(name, new(atomic.Int32))
	return func(ctx context.Context, dsn string) error {
		n.(*atomic.Int32).Add(1)
		db, err := sql.Open("postgres", dsn)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, `CREATE TABLE items (id int PRIMARY KEY, note text NOT NULL);
			INSERT INTO items VALUES (1, 'seeded by the template')`)
		return err
	}
}

func open(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func dbName(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	return strings.TrimPrefix(u.Path, "/")
}

func TestPostgresDatabaseIsPrivateToEachTest(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	names := map[string]bool{}
	for i := range 2 {
		t.Run(fmt.Sprint("test", i), func(t *testing.T) {
			t.Parallel()
			dsn := containers.NewPostgresDB(t, "items", migrateItems("items"))
			mu.Lock()
			assert.False(t, names[dbName(t, dsn)], "two tests got the same database")
			names[dbName(t, dsn)] = true
			mu.Unlock()

			db := open(t, dsn)
			var note string
			require.NoError(t, db.QueryRowContext(t.Context(), "SELECT note FROM items WHERE id = 1").Scan(&note))
			assert.Equal(t, "seeded by the template", note)
			// Each test writes the same primary key: a shared database would make one of them fail.
			_, err := db.ExecContext(t.Context(), "INSERT INTO items VALUES (2, $1)", t.Name())
			require.NoError(t, err)
			var n int
			require.NoError(t, db.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(&n))
			assert.Equal(t, 2, n)
		})
	}
}

func TestPostgresTemplateIsMigratedOnceAndClonedInParallel(t *testing.T) {
	t.Parallel()
	containers.RequireDocker(t)
	const clones = 12
	t.Run("group", func(t *testing.T) {
		for i := range clones {
			t.Run(fmt.Sprint("clone", i), func(t *testing.T) {
				t.Parallel()
				db := open(t, containers.NewPostgresDB(t, "parallel", migrateItems("parallel")))
				var n int
				require.NoError(t, db.QueryRowContext(t.Context(), "SELECT count(*) FROM items").Scan(&n))
				assert.Equal(t, 1, n)
			})
		}
	})
	n, _ := migrations.Load("parallel")
	assert.EqualValues(t, 1, n.(*atomic.Int32).Load(), "the template must be migrated once per process")
}

func TestPostgresDatabaseIsDroppedWhenTheTestEnds(t *testing.T) {
	t.Parallel()
	containers.RequireDocker(t)
	var name string
	t.Run("owner", func(t *testing.T) {
		name = dbName(t, containers.NewPostgresDB(t, "items", migrateItems("items")))
	})
	adminDSN, err := containers.StartPostgres(t.Context())
	require.NoError(t, err)
	var exists bool
	require.NoError(t, open(t, adminDSN).QueryRowContext(t.Context(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists))
	assert.False(t, exists, "database %s outlived its test", name)
}

func TestCreateDatabaseRejectsBadTemplateNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "Upper", "has space", `quote"`, strings.Repeat("x", 41)} {
		_, _, err := containers.CreateDatabase(t.Context(), name, migrateItems("unused"))
		assert.Error(t, err, "template name %q", name)
	}
}

func TestCreateDatabaseReportsMigrationFailure(t *testing.T) {
	t.Parallel()
	containers.RequireDocker(t)
	_, _, err := containers.CreateDatabase(t.Context(), "broken", func(context.Context, string) error {
		return fmt.Errorf("no such migration")
	})
	require.ErrorContains(t, err, "no such migration")
}

func TestRedisAnswersAndKeysAreUnique(t *testing.T) {
	t.Parallel()
	opt, err := goredis.ParseURL(containers.RedisURL(t))
	require.NoError(t, err)
	c := goredis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Ping(t.Context()).Err())

	a, b := containers.UniqueKey(t, "x"), containers.UniqueKey(t, "x")
	assert.NotEqual(t, a, b)
	assert.Less(t, len(a), 200)
	require.NoError(t, c.Set(t.Context(), a, "1", 0).Err())
	assert.EqualValues(t, 0, c.Exists(t.Context(), b).Val())
	assert.Equal(t, containers.RedisURL(t), containers.RedisURL(t), "the container is shared by the process")
}
