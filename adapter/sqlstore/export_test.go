package sqlstore

// WithoutStmtCache returns db's pool and dialect with no statement cache, for benchmarks that compare.
func WithoutStmtCache(db *DB) *DB { return &DB{X: db.X, Dialect: db.Dialect} }
