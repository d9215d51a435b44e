package chat

import (
	"context"
	"errors"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// Reap finishes up to Limit turns whose lease ran out (0: 100).
type Reap struct {
	Limit int
}

type reapHandler struct{ d Deps }

func (h reapHandler) Handle(ctx context.Context, in Reap) (int, error) {
	return h.d.Steps.Reap(ctx, in.Limit, nil)
}

// Reap finishes the turns whose lease ran out, in batches of limit (0: 100) until none is left:
// their runner is gone (a crash, a restart). A turn whose reply was saved completes; the others
// fail as interrupted, and their followers hear so. Turns skip says are still held (nil: none) are
// left alone. Runners call it when they start and then now and then; it returns how many it
// finished.
func (s *Steps) Reap(ctx context.Context, limit int, skip func(domain.ID) bool) (int, error) {
	if limit <= 0 {
		limit = 100
	}
	total := 0
	for {
		turns, err := s.finish.store.Turns().Expired(ctx, s.finish.clock.Now(), limit)
		if err != nil {
			return total, err
		}
		n, err := s.reapBatch(ctx, turns, skip)
		total += n
		if err != nil || len(turns) < limit || n == 0 {
			return total, err
		}
	}
}

func (s *Steps) reapBatch(ctx context.Context, turns []chat.Turn, skip func(domain.ID) bool) (int, error) {
	n := 0
	var errs []error
	for _, t := range turns {
		if skip != nil && skip(t.ID()) {
			continue
		}
		fin := failure(t.ID(), ErrInterrupted)
		if !t.ReplyID().IsZero() { // its reply was saved (with the turn, in one transaction): it completed
			fin = FinishInput{TurnID: t.ID(), MessageID: t.ReplyID(), Status: chat.StatusCompleted}
		}
		recorded, err := s.finish.end(ctx, fin)
		if err != nil {
			errs = append(errs, err)
		}
		if !recorded {
			continue // another process ended it meanwhile: it was not abandoned
		}
		s.finish.obs.TurnAbandoned(ctx, t.ID(), fin.Status)
		n++
	}
	return n, errors.Join(errs...)
}
