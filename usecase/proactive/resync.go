package proactive

import (
	"context"
	"errors"

	"github.com/companionhub/companionhub/domain"
)

// Resync hands every stored schedule to the scheduler again: what a scheduler that lost or never
// had some of them (a hub moved from in-process schedules to Temporal, a Put that failed after the
// row was written, a Temporal namespace recreated) needs to fire them. Putting a schedule the
// scheduler keeps unchanged changes nothing. Each schedule is read afresh just before it is put,
// so a change made meanwhile through the API is what the scheduler keeps — but for one landing in
// the instant between that read and the put, which stays undone until the schedule next changes
// or the next resync.
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
		for _, listed := range page {
			// Read again just before the put: a change made through the API since the page was
			// read must not be put back to what it was.
			s, err := h.d.Store.Get(ctx, domain.ID{}, listed.ID)
			if errors.Is(err, ErrScheduleNotFound) {
				continue // deleted meanwhile
			}
			if err == nil {
				err = h.d.Scheduler.Put(ctx, s.spec())
			}
			if err != nil {
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
