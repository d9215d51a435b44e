package companion

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/audit"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
)

// Purge deletes for good the companions that have been in the trash longer than the retention
// period, with their files. It is run by `companionhub admin purge-companions`.
type Purge struct {
	// DryRun counts what would be deleted without deleting it.
	DryRun bool
}

// PurgeResult says what was (or would be) deleted.
type PurgeResult struct {
	Companions int
	Files      int
	Bytes      int64
}

type purgeHandler struct{ d Deps }

// purgeBatch bounds one round of the purge, so a large backlog is handled in steps.
const purgeBatch = 100

func (h purgeHandler) Handle(ctx context.Context, in Purge) (PurgeResult, error) {
	var res PurgeResult
	before := h.d.Clock.Now().Add(-h.d.Policy.Retention)
	var after domain.Cursor
	for {
		batch, err := h.d.Store.Companions().ListTrashedBefore(ctx, before, after, purgeBatch)
		if err != nil {
			return res, err
		}
		for _, c := range batch {
			after = domain.Cursor{At: c.DeletedAt(), ID: c.ID()}
			var files []media.Item
			if in.DryRun {
				files, err = h.d.Store.Media().ListByCompanion(ctx, c.ID())
			} else {
				files, err = h.purge(ctx, c, before)
			}
			if errors.Is(err, errNoLongerTrashed) {
				continue
			}
			if err != nil {
				return res, err
			}
			res.Companions++
			for _, f := range files {
				res.Files++
				res.Bytes += f.Bytes
			}
		}
		if len(batch) < purgeBatch {
			return res, nil
		}
	}
}

// errNoLongerTrashed marks a companion restored (or trashed again later) since the batch was listed.
var errNoLongerTrashed = errors.New("no longer due for purging")

// purge deletes one companion's rows in one transaction — after checking, under lock, that it is
// still in the trash since before the cutoff, so a restore that raced the purge wins — and then
// its files. A file that cannot be deleted is left to cleanup-orphans: its row is gone, so it is an
// orphan. It returns the files it deleted.
func (h purgeHandler) purge(ctx context.Context, listed *companion.Companion, before time.Time) ([]media.Item, error) {
	var files []media.Item
	err := h.d.Store.InTx(ctx, func(r Repos) error {
		c, err := r.Companions().GetForUpdate(ctx, listed.OwnerID(), listed.ID())
		if err != nil {
			return err
		}
		if !c.Deleted() || !c.DeletedAt().Before(before) {
			return errNoLongerTrashed
		}
		if files, err = r.Media().ListByCompanion(ctx, c.ID()); err != nil {
			return err
		}
		for _, f := range files {
			if err := r.Media().Delete(ctx, f.Key); err != nil {
				return err
			}
		}
		if err := r.Companions().Delete(ctx, c.ID()); err != nil {
			return err
		}
		return appendAudit(ctx, r, event(h.d.Clock.Now(), c.OwnerID(), audit.ActionCompanionPurge, c, audit.Meta{}))
	})
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, f := range files {
		if err := h.d.Blobs.Delete(ctx, f.Key.String()); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return files, domain.Errorf(domain.KindUnavailable, "purge: delete files of %s: %w", listed.ID(), err)
	}
	return files, nil
}
