package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/eventjson"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Follow subscribes to a turn's events after the sequence number After (0: from the start), until
// its terminal event. A turn that ended is told from what the bus still holds; when that is not
// the end (its events expired, or left with a restarted process), the outcome recorded in the
// database ends the stream, so a follower never waits for events that will not come.
type Follow struct {
	OwnerID domain.ID
	TurnID  domain.ID
	After   int64
}

type followHandler struct {
	d     Deps
	watch *turnWatch // the quiet-bus check of every follower, one read per turn
}

// MaxEventSeq is the largest sequence number a follower can resume after: 2^53-1, the largest
// integer every JSON reader holds exactly. Bounding After here is also what keeps the renumbering
// below (After+1, Seq+shift) far from overflowing an int64.
const MaxEventSeq int64 = 1<<53 - 1

// ErrInvalidLastEventID refuses a resume position that is no sequence number: negative, or beyond
// MaxEventSeq.
var ErrInvalidLastEventID = func() error {
	e := domain.AsError(domain.Invalid(domain.Violation("last_event_id", "out_of_range",
		"Last-Event-ID must be a whole number from 0 to 9007199254740991")))
	e.Reason, e.Message = "invalid_last_event_id", "Last-Event-ID is not an event id of this hub"
	return e
}()

// ErrNoMoreEvents answers a follower that already has a turn's last event (an EventSource that
// reconnects after the stream ended): there is nothing to send, and it should stop asking.
var ErrNoMoreEvents = domain.E(domain.KindConflict, "no_more_events", "the turn has ended and its events were all sent")

func (h followHandler) Handle(ctx context.Context, in Follow) (stream.Subscription, error) {
	if in.After < 0 || in.After > MaxEventSeq {
		return nil, ErrInvalidLastEventID
	}
	t, err := h.d.Store.Turns().Get(ctx, in.OwnerID, in.TurnID)
	if err != nil {
		return nil, err
	}
	last, err := h.d.Bus.Last(ctx, t.ID())
	if err != nil {
		return nil, err
	}
	after := in.After
	if !t.Ended() {
		// A position past the end (the bus lost the turn's events with a restarted process)
		// would skip the events still to come: they are read from the bus's end, and numbered
		// after what the follower saw, so no id it already has comes again.
		after = min(after, last)
		sub, err := h.d.Bus.Subscribe(ctx, t.ID(), after)
		if err != nil {
			return nil, err
		}
		load := func(ctx context.Context) (chat.Turn, error) { return h.watch.turn(ctx, t.ID()) }
		watched := newWatchedSubscription(sub, after, h.d.Settings.FollowCheck, load, h.outcome)
		if shift := in.After - after; shift > 0 {
			return &renumbered{wrapped: wrapped{inner: watched}, shift: shift}, nil
		}
		return watched, nil
	}
	end, err := h.outcome(ctx, t)
	if err != nil {
		return nil, err
	}
	// A follower exactly at the bus's last event may have heard the end already (an EventSource
	// reconnecting after the stream ended). One past it has seen events this bus never had: they
	// were lost with the process that published them (a crash), and the end it will hear is the
	// recorded outcome, numbered after what it saw.
	if last > 0 && after == last {
		seen, err := h.terminalAt(ctx, t.ID(), last)
		if err != nil {
			return nil, err
		}
		if seen {
			return nil, ErrNoMoreEvents
		}
	}
	if last <= after {
		end.Seq = after + 1
		return newFixedSubscription(end), nil
	}
	sub, err := h.d.Bus.Subscribe(ctx, t.ID(), after)
	if err != nil {
		return nil, err
	}
	return newEndedSubscription(sub, last, end), nil
}

// terminalAt reports whether the turn's event seq is its terminal event.
func (h followHandler) terminalAt(ctx context.Context, turnID domain.ID, seq int64) (bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub, err := h.d.Bus.Subscribe(ctx, turnID, seq-1)
	if err != nil {
		return false, err
	}
	defer sub.Close()
	e, err := sub.Next(ctx)
	if err != nil {
		return false, err
	}
	return e.Seq == seq && e.Type.Terminal(), nil
}

// outcome is the terminal event of an ended turn, as recorded (its Seq is set by the caller).
func (h followHandler) outcome(ctx context.Context, t chat.Turn) (chat.Event, error) {
	end, err := endOf(ctx, h.d.Store, t)
	if err != nil {
		return chat.Event{}, err
	}
	b, err := eventjson.Encode(end)
	if err != nil {
		return chat.Event{}, err
	}
	return chat.Event{TurnID: t.ID(), Type: end.EventType(), Data: b}, nil
}
