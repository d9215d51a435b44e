package proactive

import (
	"context"
	"errors"

	"github.com/companionhub/companionhub/domain"
)

// Resync hands every stored schedule to the scheduler again: what a scheduler that lost or never
// had some of them (a hub moved from in-process schedules to Temporal, a Put that failed after the
// row was written, a Temporal namespace recreated) needs to fire them. Putting a schedule the
// scheduler keeps unchanged changes nothing.
type Resync struct{}

// Resynced is what a resync did: how many schedules were put, and how many failed (each failure
// is in the error; the others were put regardless).
type Resynced struct {
	Put, Failed int
}

type resyncHandler struct{ d Deps }

// resyncPage is how many schedules are read at a time.
const resyncPage = 200

func (h resyncHandler) Handle(ctx context.Context, _ Resync) (Resynced, error) {
	var out Resynced
	var failed []error
	var after domain.ID
	for {
		page, err := h.d.Store.All(ctx, after, resyncPage)
		if err != nil {
			return out, errors.Join(append(failed, err)...)
		}
		for _, s := range page {
			if err := h.d.Scheduler.Put(ctx, s.spec()); err != nil {
				if ctx.Err() != nil {
					return out, errors.Join(append(failed, err)...)
				}
				out.Failed++
				failed = append(failed, err)
				continue
			}
			out.Put++
		}
		if len(page) < resyncPage {
			return out, errors.Join(failed...)
		}
		after = page[len(page)-1].ID
	}
}
