package sqlstore

import "github.com/companionhub/companionhub/domain"

// WithoutStmtCache returns db's pool and dialect with no statement cache, for benchmarks that compare.
func WithoutStmtCache(db *DB) *DB { return &DB{X: db.X, Dialect: db.Dialect} }

// SearchVectorsInProcess makes db's memory stores search by meaning in process, as without
// pgvector, for the fallback's tests on a database that has it.
func SearchVectorsInProcess(db *DB) { db.memoryVectors().forceInProcess() }

// VectorsKept reports whether db's memory stores keep the companion's vectors by embedder decoded
// in process.
func VectorsKept(db *DB, owner, companionID domain.ID, embedder string) bool {
	c := db.memoryVectors().cache
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sets[vectorKey{owner: owner, companion: companionID, embedder: embedder}] != nil
}

// AwaitVectorReads waits for db's background reads of vectors to end.
func AwaitVectorReads(db *DB) { db.memoryVectors().warmers.Wait() }
