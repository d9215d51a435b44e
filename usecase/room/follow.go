package room

import (
	"context"
	"slices"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/eventjson"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Follow subscribes to a room's conversation for a person in it, after the room event After (0: from
// what the room's stream still holds): what is said in the room, who begins to answer and when the
// room changes (the room's events, numbered), and every answer's own events as they come — its words,
// progress and scene, from its start — carried with its turn's id and no number of their own. A
// follower that comes back with the last number it had hears the room's events after it, and the
// answers still under way again from their start, each announced first by its turn event (a client
// starts that answer afresh); an answer told again that failed meanwhile is told with its end.
// Someone removed from the room stops hearing it at once: the room's change ends their feed.
type Follow struct {
	UserID, RoomID domain.ID
	After          int64
}

type followHandler struct{ d Deps }

func (h followHandler) Handle(ctx context.Context, in Follow) (stream.Subscription, error) {
	if in.After < 0 || in.After > chatuc.MaxEventSeq {
		return nil, chatuc.ErrInvalidLastEventID
	}
	if _, err := h.d.Store.View(ctx, in.RoomID, in.UserID); err != nil {
		return nil, err
	}
	t := h.d.Talk
	last, err := t.Bus.Last(ctx, in.RoomID)
	if err != nil {
		return nil, err
	}
	// Past the stream's end (its events expired, or left with a restarted process): what comes is
	// numbered after what the follower saw, so no number it has comes again.
	after := min(in.After, last)
	turns, err := t.Store.Rooms().Turns(ctx, in.RoomID, roundTurns)
	if err != nil {
		return nil, err
	}
	active, err := underWay(ctx, t.Store, in.RoomID, turns)
	if err != nil {
		return nil, err
	}
	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx)) // the feed lives until it is closed
	sub, err := t.Bus.Subscribe(fctx, in.RoomID, after)
	if err != nil {
		cancel()
		return nil, err
	}
	f := &roomFeed{Feed: stream.NewFeed(cancel), bus: t.Bus, room: sub, roomID: in.RoomID, shift: in.After - after,
		replayed: last, recent: map[domain.ID]chat.Turn{},
		member: func(ctx context.Context) error {
			_, err := h.d.Store.View(ctx, in.RoomID, in.UserID)
			return err
		}}
	for _, tn := range turns {
		f.recent[tn.ID()] = tn
	}
	go f.run(fctx, after, active)
	return f, nil
}

// underWay announces the room's answers under way among turns (newest first), oldest first.
func underWay(ctx context.Context, store chatuc.Store, roomID domain.ID, turns []chat.Turn) ([]chat.Event, error) {
	var cast chatuc.RoomCast
	var out []chat.Event
	for _, tn := range slices.Backward(turns) {
		if tn.Ended() {
			continue
		}
		if cast.Room.ID.IsZero() {
			var err error
			if cast, err = store.Rooms().Cast(ctx, roomID); err != nil {
				return nil, err
			}
		}
		seat, _ := cast.Seat(tn.CompanionID())
		p := chat.Speaker{TurnID: tn.ID(), CompanionID: tn.CompanionID(), Name: seat.Name, ReplyTo: tn.UserMessageID()}
		b, err := eventjson.Encode(p)
		if err != nil {
			return nil, err
		}
		out = append(out, chat.Event{TurnID: roomID, Type: chat.EventSpeaker, Data: b})
	}
	return out, nil
}

// roomFeed merges a room's stream with the streams of its answers under way.
type roomFeed struct {
	*stream.Feed
	bus    stream.Bus
	room   stream.Subscription
	roomID domain.ID
	shift  int64
	// replayed is the room's last event when the follower came: up to it, its events are told
	// again; the answers under way that they did not announce are announced after them.
	replayed int64
	// recent are the room's newest turns when the follower came: an answer the events told again
	// announce is followed only while under way, and told with its end when it failed meanwhile.
	recent map[domain.ID]chat.Turn
	// member says whether the follower is still in the room (ErrNotFound when not): asked at each of
	// the room's own events past the replayed ones — a change of its people is one — so that someone
	// removed stops hearing it at once.
	member func(ctx context.Context) error
}

// fed is what a forwarder hands the feed: an event, or that its stream ended (err: why, for the
// room's own stream, which ends the feed).
type fed struct {
	e     chat.Event
	ended bool
	err   error
}

func (f *roomFeed) run(ctx context.Context, after int64, active []chat.Event) {
	defer f.room.Close()
	merged := make(chan fed)
	out := f.Send()
	following := map[domain.ID]bool{}
	// follow takes an announcement on: the events that go with it, and whether it is told at all
	// (not when it was told already). An answer under way is followed on its own stream from its
	// start; one the room's events told again that has ended since is told with how it ended.
	follow := func(e chat.Event) (tell bool, then []chat.Event) {
		id, err := speakerTurn(e.Data)
		if err != nil {
			return true, nil // not an announcement this feed can follow: told as it is
		}
		if following[id] {
			return false, nil
		}
		following[id] = true
		if e.Seq > 0 && e.Seq <= f.replayed {
			tn, known := f.recent[id]
			switch {
			case !known:
				return false, nil // long past: its message, if it was saved, tells it
			case tn.Ended() && tn.Status() != chat.StatusCompleted:
				if b, err := eventjson.Encode(tn.Failure()); err == nil {
					return true, []chat.Event{{TurnID: id, Type: chat.EventError, Data: b}}
				}
				return false, nil
			case tn.Ended():
				return true, nil // its message is among the events told again
			}
		}
		if sub, err := f.bus.Subscribe(ctx, id, 0); err == nil {
			go forward(ctx, sub, false, merged)
		}
		return true, nil
	}
	tell := func(evs ...chat.Event) bool {
		for _, e := range evs {
			if !deliver(ctx, out, e) {
				return false
			}
		}
		return true
	}
	// announce tells the answers under way that the room's events told again did not: once those
	// are told, so that every answer comes after what it answers.
	announce := func() bool {
		for _, e := range active {
			if ok, _ := follow(e); ok && !tell(e) {
				return false
			}
		}
		active = nil
		return true
	}
	if after >= f.replayed && !announce() {
		f.End(stream.ErrEnded)
		return
	}
	go forward(ctx, f.room, true, merged)
	for {
		var it fed
		select {
		case it = <-merged:
		case <-ctx.Done():
			f.End(stream.ErrEnded)
			return
		}
		if it.ended {
			if it.err != nil { // the room's own stream: nothing more can be heard
				f.End(it.err)
				return
			}
			continue
		}
		e, ok, then := it.e, true, []chat.Event(nil)
		if e.TurnID == f.roomID {
			if e.Seq > f.replayed {
				if err := f.member(ctx); err != nil {
					f.End(err)
					return
				}
			}
			if e.Type == chat.EventSpeaker {
				ok, then = follow(e)
			}
			e.Seq += f.shift
		} else {
			e.Seq = 0 // an answer's events are resumed from its start, never by number
		}
		if ok && !tell(append([]chat.Event{e}, then...)...) {
			f.End(stream.ErrEnded)
			return
		}
		if active != nil && it.e.TurnID == f.roomID && it.e.Seq >= f.replayed && !announce() {
			f.End(stream.ErrEnded)
			return
		}
	}
}

// speakerTurn is the turn an announcement names.
func speakerTurn(data []byte) (domain.ID, error) {
	p, err := eventjson.Decode(chat.EventSpeaker, data)
	if err != nil {
		return domain.ID{}, err
	}
	return p.(chat.Speaker).TurnID, nil
}

// forward reads sub into merged until it ends, and closes it: the room's own stream when it fails,
// an answer's also after its terminal event. An answer's stream that fails only stops that answer's
// events: the room goes on, and its message event brings the reply.
func forward(ctx context.Context, sub stream.Subscription, isRoom bool, merged chan<- fed) {
	if !isRoom {
		defer sub.Close()
	}
	for {
		e, err := sub.Next(ctx)
		if err != nil {
			it := fed{ended: true}
			if isRoom {
				it.err = err
			}
			send(ctx, merged, it)
			return
		}
		if !send(ctx, merged, fed{e: e}) {
			return
		}
		if e.Type.Terminal() && !isRoom {
			return
		}
	}
}

func send(ctx context.Context, ch chan<- fed, it fed) bool {
	select {
	case ch <- it:
		return true
	case <-ctx.Done():
		return false
	}
}

func deliver(ctx context.Context, out chan<- chat.Event, e chat.Event) bool {
	select {
	case out <- e:
		return true
	case <-ctx.Done():
		return false
	}
}
