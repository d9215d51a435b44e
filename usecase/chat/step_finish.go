package chat

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/usecase/stream"
)

type finishStep struct {
	turns
	eventTTL time.Duration
	ended    func(context.Context, chat.Status) // nil: nobody hears
	// roomGoesOn hears of every room turn that ended, when its end was told (nil: nobody): the room
	// decides who speaks next. It may hear of one turn more than once.
	roomGoesOn func(context.Context, domain.ID) error
}

// run records how the turn ended and tells the stream, once. It runs even for cancelled turns
// (its policy is detached). The record comes first, so a client that hears the end and then asks
// finds the turn ended; a retry after a failed publish finds the turn ended and tells the stream
// again (followers stop at the first terminal event, so a repeat is harmless). A turn that ended
// before its first attempt — a reaper finished it — is left as it is.
func (s finishStep) run(ctx context.Context, in FinishInput) (Empty, error) {
	_, err := s.end(ctx, in)
	return Empty{}, err
}

// end is run, saying whether this call recorded the outcome (false: another had, or did
// meanwhile).
func (s finishStep) end(ctx context.Context, in FinishInput) (bool, error) {
	t, err := s.store.Turns().Load(ctx, in.TurnID)
	if err != nil {
		return false, err
	}
	if t.Ended() && AttemptFrom(ctx) == 1 {
		return false, nil
	}
	recorded := false
	if !t.Ended() {
		ended, err := s.record(ctx, t, in)
		if errors.Is(err, chat.ErrTurnHasReply) { // the reply was saved meanwhile: the turn completed
			if t, err = s.store.Turns().Load(ctx, in.TurnID); err != nil {
				return false, err
			}
			ended, err = s.record(ctx, t, in)
		}
		if errors.Is(err, chat.ErrTurnEnded) {
			return false, nil // another outcome was recorded meanwhile, and told by whoever did
		}
		if err != nil {
			return false, err
		}
		t, recorded = ended, true
		if s.ended != nil {
			s.ended(ctx, t.Status())
		}
	}
	// Tell what was recorded (a retry may find another outcome recorded first).
	end, err := endOf(ctx, s.store, t)
	if err != nil {
		return recorded, err
	}
	if err := s.publish(ctx, t.ID(), 0, end); err != nil {
		return recorded, err
	}
	if err := s.bus.Expire(ctx, t.ID(), s.eventTTL); err != nil {
		s.obs.StreamNotExpired(ctx, t.ID(), err)
	}
	if s.roomGoesOn != nil && !t.RoomID().IsZero() {
		return recorded, s.roomGoesOn(ctx, t.RoomID())
	}
	return recorded, nil
}

// record writes a turn's outcome. A turn whose reply was saved completed, whatever went wrong
// after (a cancel that came too late, a lost state event): its reply is in the conversation.
func (s finishStep) record(ctx context.Context, t chat.Turn, in FinishInput) (chat.Turn, error) {
	now := s.clock.Now()
	why := chat.Failure{Code: in.ErrorCode, Message: in.ErrorMessage}
	var err error
	switch {
	case !t.ReplyID().IsZero() || in.Status == chat.StatusCompleted:
		err = t.Complete(in.MessageID, now)
	case in.Status == chat.StatusCancelled:
		err = t.Cancel(why, now)
	default:
		err = t.Fail(why, now)
	}
	if err != nil {
		return t, err
	}
	return t, s.store.Turns().Update(ctx, t)
}

// endOf is what an ended turn's terminal event says: its failure, or the reply it completed with
// (a failure, if the person deleted the reply since).
func endOf(ctx context.Context, r Repos, t chat.Turn) (chat.Payload, error) {
	if t.Status() != chat.StatusCompleted {
		return t.Failure(), nil
	}
	var m chat.Message
	var err error
	if t.RoomID().IsZero() {
		m, err = r.Messages().Get(ctx, t.OwnerID(), t.ReplyID())
	} else {
		m, err = r.Rooms().Message(ctx, t.RoomID(), t.ReplyID())
	}
	switch {
	case err == nil:
		return completion(m), nil
	case domain.IsKind(err, domain.KindNotFound):
		return chat.Failure{Code: "deleted", Message: "the reply was deleted"}, nil
	}
	return nil, err
}

// completion is the complete event of the saved reply m: with its text when one event can carry it.
func completion(m chat.Message) chat.Completion {
	c := chat.Completion{MessageID: m.ID, Text: m.Text}
	if b, err := eventjson.Encode(c); err != nil || len(b) > stream.MaxData {
		c.Text, c.TextOmitted = "", true
	}
	return c
}
