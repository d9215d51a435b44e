package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	companionuc "github.com/companionhub/companionhub/usecase/companion"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// adminCleanupOrphans deletes stored files that no row refers to (left behind by replaced header
// images whose deletion failed, purged companions, deleted users…), and what crashes left of the
// store's own files (temporary files of writes cut off, metadata of deleted files) — what `serve`
// also does by itself every COMPANIONHUB_ORPHAN_SWEEP_EVERY.
func adminCleanupOrphans(ctx context.Context, args []string, e env) error {
	var dryRun bool
	var grace time.Duration
	c, err := newCommand("admin cleanup-orphans",
		"Deletes stored files no row refers to, and leftovers of writes a crash cut off; --dry-run only counts them.", e,
		func(fs *flag.FlagSet) {
			fs.BoolVar(&dryRun, "dry-run", false, "count the orphans and leftovers without deleting them")
			fs.DurationVar(&grace, "grace", mediauc.DefaultOrphanGrace, "leave files younger than this alone (uploads in flight; at least 5m)")
		})
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	hub, done, err := openHub(ctx, c, e)
	if err != nil {
		return err
	}
	defer done()
	bar := newProgress(e.stderr, "checking files")
	res, err := hub.Media.CleanupOrphans.Handle(ctx, mediauc.CleanupOrphans{DryRun: dryRun, Grace: grace, Progress: bar.update})
	bar.finish()
	if err != nil {
		return describe(err)
	}
	verb := "deleted"
	if dryRun {
		verb = "would delete"
	}
	fmt.Fprintf(e.stdout, "scanned %d file(s); %s %d orphan(s), %s, and %d leftover(s), %s, in %s\n", res.Scanned, verb,
		res.Orphans, humanBytes(res.Bytes), res.Leftovers, humanBytes(res.LeftoverBytes), res.Duration.Round(time.Millisecond))
	return nil
}

// adminPurgeCompanions deletes for good the companions trashed longer than the retention period.
func adminPurgeCompanions(ctx context.Context, args []string, e env) error {
	var dryRun bool
	c, err := newCommand("admin purge-companions",
		"Deletes companions that have been in the trash longer than COMPANIONHUB_COMPANION_RETENTION, with their files.", e,
		func(fs *flag.FlagSet) { fs.BoolVar(&dryRun, "dry-run", false, "count without deleting") })
	if err != nil {
		return err
	}
	if err := c.parse(args); err != nil {
		return err
	}
	hub, done, err := openHub(ctx, c, e)
	if err != nil {
		return err
	}
	defer done()
	start := time.Now()
	res, err := hub.Companions.Purge.Handle(ctx, companionuc.Purge{DryRun: dryRun})
	if err != nil {
		return describe(err)
	}
	verb := "purged"
	if dryRun {
		verb = "would purge"
	}
	fmt.Fprintf(e.stdout, "%s %d companion(s) and %d file(s), %s, in %s\n", verb, res.Companions, res.Files,
		humanBytes(res.Bytes), time.Since(start).Round(time.Millisecond))
	return nil
}

// progress draws a bar on a terminal and stays silent otherwise (logs and pipes get the summary).
type progress struct {
	w     io.Writer
	label string
	tty   bool
	drawn bool
}

func newProgress(w io.Writer, label string) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, label: label, tty: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) update(done, total int) {
	if !p.tty || total == 0 {
		return
	}
	const width = 30
	filled := width * done / total
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %d/%d", p.label, strings.Repeat("#", filled), strings.Repeat(" ", width-filled),
		100*done/total, done, total)
	p.drawn = true
}

func (p *progress) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
