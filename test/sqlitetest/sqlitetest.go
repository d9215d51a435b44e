// Package sqlitetest gives tests a migrated SQLite database of their own, in a temporary directory
// removed when the test ends: the embedded profile's real store, cheap enough for every test.
package sqlitetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/secret"
)

// Open returns a migrated SQLite database private to tb, closed when tb ends.
func Open(tb testing.TB) *sqlstore.DB {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: secret.String("sqlite:" + filepath.Join(tb.TempDir(), "hub.db")), MaxOpenConns: 4})
	if err != nil {
		tb.Fatalf("sqlitetest: open: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("sqlitetest: migrate: %v", err)
	}
	return db
}
