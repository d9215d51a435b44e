package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	companionhub "github.com/companionhub/companionhub"
)

func migrate(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || (args[0] != "up" && args[0] != "status") {
		fmt.Fprintln(e.stderr, "usage: companionhub migrate up|status [flags]")
		return errUsage
	}
	verb := args[0]
	c, err := newCommand("migrate "+verb, "up applies every pending migration; status lists them all.", e, nil)
	if err != nil {
		return err
	}
	if err := c.parse(args[1:]); err != nil {
		return err
	}
	db, err := companionhub.OpenDatabase(ctx, c.cfg)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if verb == "up" {
		start := time.Now()
		n, err := db.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "applied %d migration(s) to the %s database in %s\n", n, db.Dialect, time.Since(start).Round(time.Millisecond))
		return nil
	}
	states, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tSTATE\tAPPLIED AT")
	pending := 0
	for _, s := range states {
		state, at := "pending", "-"
		if s.Applied {
			state, at = "applied", s.AppliedAt.UTC().Format(time.RFC3339)
		} else {
			pending++
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Version, s.Name, state, at)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s database: %d migration(s), %d pending\n", db.Dialect, len(states), pending)
	return nil
}
