package media

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

// CleanupOrphans finds blobs no row refers to and deletes them, and, on a store that can hold
// them (Leftovers), what crashes left of writes and deletes. Files younger than Grace are left
// alone: an upload stores its blob a moment before the row that refers to it, and a write in
// progress has its temporary file, so Grace must be at least MinOrphanGrace.
type CleanupOrphans struct {
	DryRun bool
	Grace  time.Duration
	// Progress, if set, hears how many candidate blobs have been checked out of how many.
	Progress func(done, total int)
}

// CleanupResult is what the cleanup found.
type CleanupResult struct {
	Scanned   int   // blobs listed
	Orphans   int   // blobs no row refers to (deleted unless DryRun)
	Bytes     int64 // their size
	Leftovers int   // the store's own files left by crashes (deleted unless DryRun)
	// LeftoverBytes is the leftovers' size.
	LeftoverBytes int64
	Duration      time.Duration
}

type cleanupHandler struct{ d Deps }

// cleanupBatch is how many keys one existence query checks.
const cleanupBatch = 500

// MinOrphanGrace is the shortest grace cleanup accepts: longer than any upload takes between storing
// its file and recording it.
const MinOrphanGrace = 5 * time.Minute

// DefaultOrphanGrace is the grace of `admin cleanup-orphans` and of the sweeps `serve` runs.
const DefaultOrphanGrace = time.Hour

func (h cleanupHandler) Handle(ctx context.Context, in CleanupOrphans) (CleanupResult, error) {
	if in.Grace < MinOrphanGrace {
		return CleanupResult{}, domain.Invalid(domain.Violation("grace", "too_short",
			"grace must be at least 5m: younger files may belong to uploads in flight"))
	}
	start := time.Now()
	var res CleanupResult
	cutoff := h.d.Clock.Now().Add(-in.Grace)
	err := h.orphans(ctx, in, cutoff, &res)
	if lo, ok := h.d.Blobs.(Leftovers); ok && err == nil {
		err = sweepLeftovers(ctx, lo, in.DryRun, cutoff, &res)
	}
	res.Duration = time.Since(start)
	return res, err
}

// orphans deletes the blobs under the media prefixes, last written before cutoff, that no row
// names.
func (h cleanupHandler) orphans(ctx context.Context, in CleanupOrphans, cutoff time.Time, res *CleanupResult) error {
	var candidates []BlobInfo
	for _, prefix := range media.Prefixes() {
		err := h.d.Blobs.List(ctx, prefix, func(b BlobInfo) error {
			res.Scanned++
			if b.ModTime.Before(cutoff) {
				candidates = append(candidates, b)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i := 0; i < len(candidates); i += cleanupBatch {
		batch := candidates[i:min(i+cleanupBatch, len(candidates))]
		keys := make([]string, len(batch))
		for j, b := range batch {
			keys[j] = b.Key
		}
		known, err := h.d.Repo.Existing(ctx, keys)
		if err != nil {
			return err
		}
		for _, b := range batch {
			if known[b.Key] {
				continue
			}
			if !in.DryRun {
				if err := h.d.Blobs.Delete(ctx, b.Key); err != nil {
					return err
				}
			}
			res.Orphans++
			res.Bytes += b.Size
		}
		if in.Progress != nil {
			in.Progress(min(i+cleanupBatch, len(candidates)), len(candidates))
		}
	}
	return nil
}

// sweepLeftovers deletes the store's leftovers under the media prefixes last written before
// cutoff (a younger one may be a write in progress). One that turned out to belong to a blob
// after all is skipped, not counted.
func sweepLeftovers(ctx context.Context, lo Leftovers, dryRun bool, cutoff time.Time, res *CleanupResult) error {
	for _, prefix := range media.Prefixes() {
		var stale []BlobInfo
		err := lo.ListLeftovers(ctx, prefix, func(b BlobInfo) error {
			if b.ModTime.Before(cutoff) {
				stale = append(stale, b)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, b := range stale {
			if !dryRun {
				err := lo.DeleteLeftover(ctx, b.Key)
				if errors.Is(err, ErrNotLeftover) {
					continue
				}
				if err != nil {
					return err
				}
			}
			res.Leftovers++
			res.LeftoverBytes += b.Size
		}
	}
	return nil
}
