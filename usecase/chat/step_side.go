package chat

import (
	"context"
	"errors"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/summary"
)

// Side steps — memory, picture, voice — run after the reply was saved: they add to it and never
// lose it, and each tells the stream about its own failure.

// sideFailure says, in words a client may show, why a picture or voice could not be made: the
// feature's own words when the person can act on them (it is not configured, the companion has
// no voice, the backend refused the request), a plain sentence otherwise.
func sideFailure(err error, fallback string) *chat.Failure {
	e := domain.AsError(err)
	if e != nil && e.Message != "" && (errors.Is(err, usecase.ErrNotConfigured) || e.Kind == domain.KindInvalid || usecase.IsQuotaExceeded(err)) {
		return &chat.Failure{Code: e.Reason, Message: e.Message}
	}
	return &chat.Failure{Code: "failed", Message: fallback}
}

// gaveUp reports whether a side step that failed with err will not be tried again: on its last
// attempt, or on an error no attempt can fix. Only then is its failure told, once.
func gaveUp(ctx context.Context, step StepName, err error) bool {
	return !domain.KindOf(err).Retryable() || AttemptFrom(ctx) >= Policies[step].Attempts
}

// sideFailed ends a side step that failed with err: once it gives up, the stream is told why (the
// payload failed makes of the failure). A feature that is not configured is not a failure to
// retry: it is told at once and the step ends well, so the turn does not wait on backoffs for it;
// nor is a quota used up for the day.
func (t turns) sideFailed(ctx context.Context, step StepName, turnID domain.ID, err error, fallback string,
	failed func(*chat.Failure) chat.Payload) error {
	final := errors.Is(err, usecase.ErrNotConfigured) || usecase.IsQuotaExceeded(err)
	if !final && !gaveUp(ctx, step, err) {
		return err
	}
	if perr := t.publish(ctx, turnID, 0, failed(sideFailure(err, fallback))); perr != nil {
		return errors.Join(err, perr)
	}
	if final {
		return nil
	}
	return err
}

type extractStep struct {
	turns
	learn     Learner
	summarize Summarizer // nil: none
}

// run keeps what the exchange leaves behind (SPEC §3.3 step 5). The memory feature learns from
// it, unless the companion's Memory setting is off: then it learns nothing, and the relationship,
// which moves with what is learnt, stays where it is (reference §2.14) — as after a message the
// companion wrote first, when the person said nothing. And the conversation's
// running summary takes in what has left the history window. Neither stops the other, and
// neither fails the turn.
func (s extractStep) run(ctx context.Context, in SideInput) (Empty, error) {
	ex, err := s.exchange(ctx, in.TurnID, in.MessageID)
	if err != nil {
		return Empty{}, err
	}
	ctx = forTurn(ctx, ex.turn)
	var learnt error
	// A companion that wrote first (a hidden instruction) heard nothing from the person to learn.
	if ex.comp.Settings().Memory && !ex.user.Hidden && learnsFrom(ex.turn, ex.comp, ex.user) {
		_, learnt = s.learn.Handle(ctx, memory.Learn{OwnerID: ex.turn.OwnerID(), CompanionID: ex.turn.CompanionID(),
			UserMessage: ex.user, Reply: ex.reply})
		if errors.Is(learnt, usecase.ErrNotConfigured) {
			learnt = nil
		}
	}
	var summarised error
	if s.summarize != nil && ex.turn.RoomID().IsZero() { // a room has no running summary
		person, err := s.store.People().DisplayName(ctx, ex.turn.OwnerID())
		if err != nil {
			return Empty{}, errors.Join(learnt, err)
		}
		_, summarised = s.summarize.Handle(ctx, summary.Summarize{OwnerID: ex.turn.OwnerID(),
			CompanionID: ex.turn.CompanionID(), Char: ex.comp.Profile().Name(), Person: person})
	}
	return Empty{}, errors.Join(learnt, summarised)
}
