package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/memory"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/memorystoretest"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// PostgreSQL without pgvector searches in process, as SQLite does: the suite again, with the
// search forced there on a database that has the extension.
func TestMemoryStorePostgresInProcess(t *testing.T) {
	t.Parallel()
	memorystoretest.Run(t, func(t *testing.T) memorystoretest.Env {
		db := openPostgres(t)
		sqlstore.SearchVectorsInProcess(db)
		return memoryEnv(db)
	})
}

func TestVectorSearchIsTold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	how, err := openSQLite(t).VectorSearch(ctx)
	require.NoError(t, err)
	require.Equal(t, sqlstore.VectorsInProcess, how)
	pg := openPostgres(t)
	how, err = pg.VectorSearch(ctx)
	require.NoError(t, err)
	require.Equal(t, sqlstore.VectorsPgvector, how, "the test image has pgvector")
	pg = openPostgres(t)
	sqlstore.SearchVectorsInProcess(pg)
	how, err = pg.VectorSearch(ctx)
	require.NoError(t, err)
	require.Equal(t, sqlstore.VectorsInProcess, how)
}

// memoryOf makes a companion of a new owner with one memory, and returns them.
func memoryOf(t *testing.T, env memorystoretest.Env, text string) (owner, c domain.ID, m memory.Memory) {
	t.Helper()
	ctx := context.Background()
	owner = env.NewOwner(t)
	p, err := companion.NewProfile(companion.ProfileSpec{Name: "Keeper", Age: 30})
	require.NoError(t, err)
	comp := companion.New(domain.NewID(time.Now()), owner, p, time.Now())
	require.NoError(t, env.Companions.Companions().Create(ctx, comp))
	m, err = memory.New(domain.NewID(time.Now()), owner, comp.ID(), memory.Spec{Text: text, Category: memory.Event, Importance: 5}, nil, time.Now())
	require.NoError(t, err)
	require.NoError(t, env.Store.Create(ctx, m))
	return owner, comp.ID(), m
}

func nearIDs(t *testing.T, s memoryuc.Store, owner, c domain.ID, q []float32) []domain.ID {
	t.Helper()
	found, err := s.Nearest(context.Background(), owner, c, "e", q, 0.5, 10)
	require.NoError(t, err)
	var out []domain.ID
	for _, n := range found {
		out = append(out, n.ID)
	}
	return out
}

// The vectors a store keeps between searches follow what another process writes to the same
// SQLite file: its vectors, a deleted memory, a wipe, a deleted companion.
func TestMemoryVectorsFollowAnotherProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := "sqlite:" + t.TempDir() + "/hub.db"
	open := func() *sqlstore.DB {
		db, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String(path), MaxOpenConns: 4})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	one, two := open(), open()
	_, err := one.Migrate(ctx)
	require.NoError(t, err)
	here, there := memoryEnv(one), memoryEnv(two)
	owner, c, m := memoryOf(t, here, "One")
	q := []float32{1, 0}
	require.NoError(t, here.Store.SetEmbedding(ctx, m.ID, "e", []float32{1, 0}))
	require.Equal(t, []domain.ID{m.ID}, nearIDs(t, here.Store, owner, c, q))

	require.NoError(t, there.Store.SetEmbedding(ctx, m.ID, "e", []float32{0, 1}))
	require.Empty(t, nearIDs(t, here.Store, owner, c, q), "the vector the other process replaced")
	require.NoError(t, there.Store.SetEmbedding(ctx, m.ID, "e", []float32{1, 0.1}))
	require.Equal(t, []domain.ID{m.ID}, nearIDs(t, here.Store, owner, c, q))
	require.NoError(t, there.Store.Delete(ctx, owner, m.ID))
	require.Empty(t, nearIDs(t, here.Store, owner, c, q), "the memory the other process deleted")

	m2, err := memory.New(domain.NewID(time.Now()), owner, c, memory.Spec{Text: "Two", Category: memory.Event, Importance: 5}, nil, time.Now())
	require.NoError(t, err)
	require.NoError(t, here.Store.Create(ctx, m2))
	require.NoError(t, here.Store.SetEmbedding(ctx, m2.ID, "e", []float32{1, 0}))
	require.Equal(t, []domain.ID{m2.ID}, nearIDs(t, here.Store, owner, c, q))
	_, err = there.Store.Wipe(ctx, owner, c)
	require.NoError(t, err)
	require.Empty(t, nearIDs(t, here.Store, owner, c, q), "the other process's wipe")

	owner3, c3, m3 := memoryOf(t, here, "Three")
	require.NoError(t, here.Store.SetEmbedding(ctx, m3.ID, "e", []float32{1, 0}))
	require.Equal(t, []domain.ID{m3.ID}, nearIDs(t, here.Store, owner3, c3, q))
	require.NoError(t, there.Companions.Companions().Delete(ctx, c3))
	require.Empty(t, nearIDs(t, here.Store, owner3, c3, q), "the other process's deleted companion")
}

// A vector written without vec — by a hub of before migration 00014, or with COPY — gets it from
// its bytes, so that pgvector finds it.
func TestMemoryVectorFromBytesPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openPostgres(t)
	env := memoryEnv(db)
	owner, c, m := memoryOf(t, env, "One")
	// 0.25, -1.5, 1: float32s, little-endian.
	raw := []byte{0x00, 0x00, 0x80, 0x3e, 0x00, 0x00, 0xc0, 0xbf, 0x00, 0x00, 0x80, 0x3f}
	_, err := db.X.ExecContext(ctx, `INSERT INTO memory_embeddings (memory_id, embedder, dims, vector) VALUES ($1, 'e', 3, $2)`,
		m.ID.String(), raw)
	require.NoError(t, err)
	var vec string
	require.NoError(t, db.X.GetContext(ctx, &vec, `SELECT vec::text FROM memory_embeddings WHERE memory_id = $1`, m.ID.String()))
	require.Equal(t, "[0.25,-1.5,1]", vec)
	require.Equal(t, []domain.ID{m.ID}, nearIDs(t, env.Store, owner, c, []float32{0.25, -1.5, 1}))

	// An old hub's upsert changes the bytes alone: vec follows them.
	_, err = db.X.ExecContext(ctx, `UPDATE memory_embeddings SET vector = $2 WHERE memory_id = $1`,
		m.ID.String(), []byte{0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00})
	require.NoError(t, err)
	require.NoError(t, db.X.GetContext(ctx, &vec, `SELECT vec::text FROM memory_embeddings WHERE memory_id = $1`, m.ID.String()))
	require.Equal(t, "[1,0,0]", vec)
	require.Empty(t, nearIDs(t, env.Store, owner, c, []float32{0.25, -1.5, 1}))
}

// With pgvector, a companion's first search is the index's, and its vectors are read meanwhile,
// in the background: the next searches are answered from them, alike; a vector this store writes
// joins them in place, and a deletion (counted by the database's triggers, whoever deletes) is seen.
func TestMemoryVectorsAreReadBehindTheIndexPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := openPostgres(t)
	env := memoryEnv(pg)
	owner, c, m := memoryOf(t, env, "Zelda visits next week")
	require.NoError(t, env.Store.SetEmbedding(ctx, m.ID, "e", []float32{1, 0, 0}))
	require.False(t, sqlstore.VectorsKept(pg, owner, c, "e"))

	require.Equal(t, []domain.ID{m.ID}, nearIDs(t, env.Store, owner, c, []float32{1, 0.1, 0}), "the index's answer")
	sqlstore.AwaitVectorReads(pg)
	require.True(t, sqlstore.VectorsKept(pg, owner, c, "e"), "read behind it")
	require.Equal(t, []domain.ID{m.ID}, nearIDs(t, env.Store, owner, c, []float32{1, 0.1, 0}), "the same, in process")

	second, err := memory.New(domain.NewID(time.Now()), owner, c, memory.Spec{Text: "Zelda likes tea", Category: memory.Event, Importance: 5}, nil, time.Now())
	require.NoError(t, err)
	require.NoError(t, env.Store.Create(ctx, second))
	require.NoError(t, env.Store.SetEmbedding(ctx, second.ID, "e", []float32{0.9, 0.2, 0}))
	require.Equal(t, []domain.ID{second.ID, m.ID}, nearIDs(t, env.Store, owner, c, []float32{0.9, 0.25, 0}))

	require.NoError(t, env.Store.Delete(ctx, owner, second.ID))
	require.Equal(t, []domain.ID{m.ID}, nearIDs(t, env.Store, owner, c, []float32{0.9, 0.25, 0}), "the deletion seen")
}
