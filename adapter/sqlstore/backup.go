package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/companionhub/companionhub/domain"
)

// ErrBackupPostgres refuses a backup of PostgreSQL, which its own tools make better.
var ErrBackupPostgres = domain.E(domain.KindInvalid, "backup_postgres",
	"this is a PostgreSQL database: back it up with pg_dump (or your provider's snapshots), not with companionhub")

// BackupTo writes a consistent copy of an SQLite database to path, while the hub runs: SQLite's
// VACUUM INTO reads one snapshot (writers carry on) and writes a compact, whole database file,
// which is the restore — stop the hub, put it where COMPANIONHUB_DATABASE_URL points. path must
// not exist. PostgreSQL is refused (ErrBackupPostgres).
func (db *DB) BackupTo(ctx context.Context, path string) error {
	if db.Dialect != SQLite {
		return ErrBackupPostgres
	}
	// Made here, empty, so that nothing else is ever overwritten — or removed when the copy fails
	// (VACUUM INTO writes into an empty file).
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return domain.E(domain.KindConflict, "backup_exists", fmt.Sprintf("%s exists: a backup never overwrites a file", path))
	}
	if err != nil {
		return domain.Errorf(domain.KindInvalid, "backup to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return domain.Errorf(domain.KindInvalid, "backup to %s: %w", path, err)
	}
	if _, err := db.X.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		_ = os.Remove(path) // a half-written copy is no backup
		return classify(err, nil, "back up the database")
	}
	return nil
}
