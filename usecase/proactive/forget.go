package proactive

import (
	"context"
	"errors"

	"github.com/companionhub/companionhub/domain"
)

// Forget takes every schedule of a person out of the scheduler (their account is being erased:
// the rows go with it, but Temporal's schedules would otherwise wait for their next firing to be
// dropped). It reports how many it took out; the ones that fail are in the error, and a firing
// of what is left drops it then.
type Forget struct{ OwnerID domain.ID }

type forgetHandler struct{ d Deps }

func (h forgetHandler) Handle(ctx context.Context, in Forget) (int, error) {
	if in.OwnerID.IsZero() {
		return 0, nil
	}
	var n int
	var failed []error
	var after domain.ID
	for {
		page, err := h.d.Store.All(ctx, after, resyncPage)
		if err != nil {
			return n, errors.Join(append(failed, err)...)
		}
		for _, s := range page {
			if s.OwnerID != in.OwnerID {
				continue
			}
			if err := h.d.Scheduler.Delete(ctx, s.ID); err != nil {
				failed = append(failed, err)
				continue
			}
			n++
		}
		if len(page) < resyncPage {
			return n, errors.Join(failed...)
		}
		after = page[len(page)-1].ID
	}
}
