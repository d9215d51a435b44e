package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strconv"
	"sync"

	memoryuc "github.com/companionhub/companionhub/usecase/memory"
)

// How the memory store searches by meaning (DB.VectorSearch).
const (
	VectorsPgvector  = "pgvector"   // PostgreSQL's vec column and HNSW indexes (migration 00014)
	VectorsInProcess = "in process" // the vectors decoded in memory (memory_vectors.go)
)

// hnswEfSearch is the HNSW search's candidate list (pgvector's default: 40).
const hnswEfSearch = 100

// maxHNSWDims is the longest vector pgvector's HNSW indexes (vector type): longer ones are searched
// exactly, by a scan of the companion's vectors in the database.
const maxHNSWDims = 2000

// memoryVectors is what a DB's memory stores share: how they search by meaning, found once, and
// the in-process search's vectors.
type memoryVectors struct {
	mu       sync.Mutex
	detected bool
	pgvector bool
	cache    *vectorCache
	hnsw     sync.Map // lengths whose index exists (int → struct{})
	// The background reads of companions' vectors (memoryRepo.warm), which Close waits for.
	warming map[vectorKey]bool
	warmers sync.WaitGroup
	closed  bool
}

// close stops new background reads and waits for those running.
func (v *memoryVectors) close() {
	v.mu.Lock()
	v.closed = true
	v.mu.Unlock()
	v.warmers.Wait()
}

// memoryVectors returns the DB's shared state, made at first use.
func (db *DB) memoryVectors() *memoryVectors {
	db.vectorsOnce.Do(func() { db.vectors = &memoryVectors{cache: newVectorCache()} })
	return db.vectors
}

// VectorSearch says how the memory store searches by meaning: VectorsPgvector on PostgreSQL where
// migration 00014 found pgvector, VectorsInProcess otherwise (SQLite, or PostgreSQL without the
// extension). It is found once, at the first call — a hub calls it at start, after its
// migrations, to say which — and holds for the DB's life.
func (db *DB) VectorSearch(ctx context.Context) (string, error) {
	v := db.memoryVectors()
	on, err := v.usePgvector(ctx, db)
	if err != nil {
		return "", err
	}
	if on {
		return VectorsPgvector, nil
	}
	return VectorsInProcess, nil
}

// usePgvector tells whether the vec column exists (a failure to tell is told again next time).
func (v *memoryVectors) usePgvector(ctx context.Context, db *DB) (bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.detected || db.Dialect != Postgres {
		return v.pgvector, nil
	}
	err := db.X.GetContext(ctx, &v.pgvector, `SELECT EXISTS (SELECT 1 FROM pg_attribute
		WHERE attrelid = to_regclass('memory_embeddings') AND attname = 'vec' AND NOT attisdropped)`)
	if err != nil {
		return false, classify(err, nil, "detect pgvector")
	}
	v.detected = true
	return v.pgvector, nil
}

// forceInProcess makes the DB's memory stores search in process whatever the database has (tests
// of the fallback on a database with pgvector).
func (v *memoryVectors) forceInProcess() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.detected, v.pgvector = true, false
}

// vectorLiteral is v in pgvector's text form, each float32 in the fewest digits that read back to it.
func vectorLiteral(v memoryuc.Vector) string {
	b := make([]byte, 0, 12*len(v)+2)
	b = append(b, '[')
	for i, f := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(f), 'g', -1, 32)
	}
	return string(append(b, ']'))
}

// ensureHNSW makes the HNSW index of vectors of length dims, once per process: a partial index on
// the column cast to that length, which a search of that length names in its ORDER BY and WHERE.
// Creating it takes the table's share lock for as long as it builds (writes wait; reads go on):
// at the first vector of a new length, that is one row; on a database backfilled by the
// migration, its vectors. Two hubs creating it at once, one fails: the index exists, and the
// search goes on either way (an exact scan without it).
func (r memoryRepo) ensureHNSW(ctx context.Context, dims int) {
	if dims > maxHNSWDims {
		return
	}
	if _, ok := r.v.hnsw.Load(dims); ok {
		return
	}
	n := strconv.Itoa(dims)
	if _, err := r.c.exec(ctx, `CREATE INDEX IF NOT EXISTS memory_embeddings_hnsw_`+n+` ON memory_embeddings
		USING hnsw ((vec::vector(`+n+`)) vector_cosine_ops) WHERE dims = `+n); err == nil {
		r.v.hnsw.Store(dims, struct{}{})
	}
}

// nearestPgvector is Nearest in the database: the companion's vectors of the query's length,
// nearest first by cosine distance (<=>) on the length's HNSW index. The index is one for every
// companion; filtering it by companion leaves few of the first rows it finds, so the scan is
// iterative (pgvector ≥ 0.8: it goes on until limit rows pass the filter) and in strict order —
// a relaxed order hands rows over slightly out of order, and the first handed over is then not
// always the nearest (a duplicate's check asks for one) — within a transaction, as SET LOCAL must be.
//
// The search is approximate, as any HNSW search: it may miss one of the nearest, most often among
// many vectors alike (the bench's offline embedder makes the same vector of the same words, and
// prints what the index finds of the exact nearest). A wider candidate list (hnswEfSearch) finds
// more of them for a little more time.
func (r memoryRepo) nearestPgvector(ctx context.Context, k vectorKey, q memoryuc.Vector, minSimilarity float64, limit int) ([]memoryuc.Near, error) {
	if n := vectorNorm(q); n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, nil // near nothing (pgvector's distance to zeros is NaN; it refuses the others)
	}
	r.ensureHNSW(ctx, len(q))
	n := strconv.Itoa(len(q))
	query := `WITH near AS MATERIALIZED (
			SELECT e.memory_id, e.vec::vector(` + n + `) <=> CAST($1 AS vector(` + n + `)) AS distance
			FROM memory_embeddings e JOIN memories m ON m.id = e.memory_id
			WHERE e.dims = ` + n + ` AND e.embedder = $2 AND m.owner_id = $3 AND m.companion_id = $4
			ORDER BY distance LIMIT $5)
		SELECT memory_id, 1 - distance FROM near WHERE distance <= $6 ORDER BY distance, memory_id`
	tx, err := r.db.X.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, classify(err, nil, "begin nearest memories")
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `SET LOCAL hnsw.iterative_scan = strict_order; SET LOCAL hnsw.ef_search = `+strconv.Itoa(hnswEfSearch)); err != nil {
		return nil, classify(err, nil, "set iterative scan")
	}
	rows, err := tx.QueryContext(ctx, query, vectorLiteral(q), k.embedder, k.owner.String(), k.companion.String(), limit, 1-minSimilarity)
	if err != nil {
		return nil, classify(err, nil, "select nearest memories")
	}
	defer rows.Close()
	var out []memoryuc.Near
	for rows.Next() {
		var raw string
		var sim float64
		if err := rows.Scan(&raw, &sim); err != nil {
			return nil, classify(err, nil, "scan nearest memory")
		}
		id, err := parseID(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, memoryuc.Near{ID: id, Similarity: sim})
	}
	if err := errors.Join(rows.Err(), rows.Close(), tx.Commit()); err != nil {
		return nil, classify(err, nil, "read nearest memories")
	}
	return out, nil
}
