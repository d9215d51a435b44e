package sqlstore

// WithoutStmtCache returns db's pool and dialect with no statement cache, for benchmarks that compare.
func WithoutStmtCache(db *DB) *DB { return &DB{X: db.X, Dialect: db.Dialect} }

// SearchVectorsInProcess makes db's memory stores search by meaning in process, as without
// pgvector, for the fallback's tests on a database that has it.
func SearchVectorsInProcess(db *DB) { db.memoryVectors().forceInProcess() }
