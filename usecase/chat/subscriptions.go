package chat

import (
	"context"
	"errors"
	"time"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

// The subscriptions Follow hands out wrap the bus's and run in their reader's goroutine: a
// follower waiting for the model costs the connection that waits, and nothing beside it.

// fixedSubscription replays a fixed list of events and ends.
type fixedSubscription struct{ events []chat.Event }

func newFixedSubscription(events ...chat.Event) *fixedSubscription {
	return &fixedSubscription{events: events}
}

func (s *fixedSubscription) Next(context.Context) (chat.Event, error) {
	if len(s.events) == 0 {
		return chat.Event{}, stream.ErrEnded
	}
	e := s.events[0]
	s.events = s.events[1:]
	return e, nil
}

func (s *fixedSubscription) Close() { s.events = nil }

// wrapped is a subscription that passes on another's events and ends after a terminal one.
type wrapped struct {
	inner stream.Subscription
	ended bool
}

// pass hands e on, noting a terminal event.
func (w *wrapped) pass(e chat.Event) (chat.Event, error) {
	w.ended = e.Type.Terminal()
	return e, nil
}

func (w *wrapped) Close() { w.inner.Close() }

// endedSubscription passes an ended turn's events on up to the last one the bus holds, and ends
// with the recorded outcome when they do not include a terminal event.
type endedSubscription struct {
	wrapped
	last int64
	end  *chat.Event // the outcome, once it is due
	out  chat.Event
}

func newEndedSubscription(inner stream.Subscription, last int64, end chat.Event) *endedSubscription {
	return &endedSubscription{wrapped: wrapped{inner: inner}, last: last, out: end}
}

func (s *endedSubscription) Next(ctx context.Context) (chat.Event, error) {
	switch {
	case s.end != nil:
		e := *s.end
		s.end, s.ended = nil, true
		return e, nil
	case s.ended:
		return chat.Event{}, stream.ErrEnded
	}
	e, err := s.inner.Next(ctx)
	if err != nil {
		return e, err
	}
	if !e.Type.Terminal() && e.Seq >= s.last {
		s.out.Seq = e.Seq + 1
		s.end = &s.out
		return e, nil
	}
	return s.pass(e)
}

// renumbered passes inner's events on with their sequence numbers raised by shift. Exact resume
// needs a bus that outlives the process (PostgreSQL or Redis); after a restart of an in-memory bus
// this is the next best thing: ids keep growing for a follower, which resumes from the last one it
// got (Last-Event-ID minus shift is where the bus now stands, and shift is the same on every
// reconnect while the bus holds fewer events than the follower saw).
type renumbered struct {
	wrapped
	shift int64
}

func (s *renumbered) Next(ctx context.Context) (chat.Event, error) {
	if s.ended {
		return chat.Event{}, stream.ErrEnded
	}
	e, err := s.inner.Next(ctx)
	if err != nil {
		return e, err
	}
	e.Seq += s.shift
	return s.pass(e)
}

// watchedSubscription passes a running turn's events on and, when the bus stays quiet for every,
// looks at the turn itself: one that ended without its terminal event reaching the bus (a reaper
// that could not publish, a Finish that gave up) ends the stream with its recorded outcome, so a
// follower never waits forever.
type watchedSubscription struct {
	wrapped
	seen    int64
	every   time.Duration
	quiet   time.Time // since when nothing came
	load    func(context.Context) (chat.Turn, error)
	outcome func(context.Context, chat.Turn) (chat.Event, error)
}

func newWatchedSubscription(inner stream.Subscription, after int64, every time.Duration,
	load func(context.Context) (chat.Turn, error), outcome func(context.Context, chat.Turn) (chat.Event, error)) *watchedSubscription {
	return &watchedSubscription{wrapped: wrapped{inner: inner}, seen: after, every: every, quiet: time.Now(), load: load, outcome: outcome}
}

func (s *watchedSubscription) Next(ctx context.Context) (chat.Event, error) {
	for !s.ended {
		check, cancel := context.WithDeadline(ctx, s.quiet.Add(s.every))
		e, err := s.inner.Next(check)
		cancel()
		if err == nil {
			s.seen, s.quiet = e.Seq, time.Now()
			return s.pass(e)
		}
		if ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded) {
			return chat.Event{}, err // the reader's own deadline, or the end
		}
		s.quiet = time.Now()
		t, err := s.load(ctx)
		if err != nil || !t.Ended() {
			continue // not ended (or not known now): keep waiting
		}
		end, err := s.outcome(ctx, t)
		if err != nil {
			continue
		}
		end.Seq = s.seen + 1
		return s.pass(end)
	}
	return chat.Event{}, stream.ErrEnded
}
