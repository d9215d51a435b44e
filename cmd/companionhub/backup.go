package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	companionhub "github.com/companionhub/companionhub"
)

// adminBackup writes a consistent copy of the SQLite database while the hub runs.
func adminBackup(ctx context.Context, args []string, e env) error {
	var to string
	c, err := newCommand("admin backup",
		"Writes a consistent copy of the SQLite database to --to while the hub keeps running (PostgreSQL: use pg_dump). "+
			"Restore: stop the hub and put the copy where COMPANIONHUB_DATABASE_URL points; copy the files directory "+
			"(COMPANIONHUB_BLOB_URL) alongside, before or after, as files never change once written.", e,
		func(fs *flag.FlagSet) { fs.StringVar(&to, "to", "", "the file to write (must not exist; required)") })
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	if to == "" {
		fmt.Fprintln(e.stderr, "admin backup: --to is required")
		return errUsage
	}
	db, err := companionhub.OpenDatabase(ctx, c.cfg)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	start := time.Now()
	if err := db.BackupTo(ctx, to); err != nil {
		return describe(err)
	}
	size := int64(0)
	if fi, err := os.Stat(to); err == nil {
		size = fi.Size()
	}
	abs, _ := filepath.Abs(to)
	fmt.Fprintf(e.stdout, "backed up the database to %s (%s) in %s\n", abs, humanBytes(size), time.Since(start).Round(time.Millisecond))
	return nil
}
