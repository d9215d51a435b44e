package chat

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

// fixedSubscription replays a fixed list of events and ends.
type fixedSubscription struct {
	ch chan chat.Event
}

func newFixedSubscription(events ...chat.Event) *fixedSubscription {
	ch := make(chan chat.Event, len(events))
	for _, e := range events {
		ch <- e
	}
	close(ch)
	return &fixedSubscription{ch: ch}
}

func (s *fixedSubscription) Events() <-chan chat.Event { return s.ch }
func (s *fixedSubscription) Err() error                { return nil }
func (s *fixedSubscription) Close()                    {}

// relay is a subscription that passes on the events of another, with a say in when it ends: its
// goroutine runs until the relay function returns, the follower closes it, or ctx ends.
type relay struct {
	*stream.Feed
	inner stream.Subscription
	ctx   context.Context
}

// newRelay starts run, which passes events on with send (false once nobody listens any more).
func newRelay(ctx context.Context, inner stream.Subscription, run func(r *relay)) *relay {
	ctx, cancel := context.WithCancel(ctx)
	r := &relay{Feed: stream.NewFeed(cancel), inner: inner, ctx: ctx}
	go func() {
		defer func() { r.End(inner.Err()) }()
		run(r)
	}()
	return r
}

func (r *relay) send(e chat.Event) bool {
	select {
	case r.Send() <- e:
		return true
	case <-r.ctx.Done():
		return false
	}
}

// Close stops the relay and the subscription it relays (which may be what it waits on), and
// returns once the relay ended.
func (r *relay) Close() {
	r.Stop()
	r.inner.Close()
	r.Feed.Close()
}

// newEndedSubscription relays an ended turn's events up to the last one the bus holds, and ends
// with the recorded outcome when they do not include a terminal event.
func newEndedSubscription(ctx context.Context, inner stream.Subscription, last int64, end chat.Event) *relay {
	return newRelay(ctx, inner, func(r *relay) {
		for e := range inner.Events() {
			if !r.send(e) || e.Type.Terminal() {
				return
			}
			if e.Seq >= last {
				end.Seq = e.Seq + 1
				r.send(end)
				return
			}
		}
	})
}

// newWatchedSubscription relays a running turn's events and, when the bus stays quiet, looks at
// the turn itself: one that ended without its terminal event reaching the bus (a reaper that
// could not publish, a Finish that gave up) ends the stream with its recorded outcome, so a
// follower never waits forever.
func newWatchedSubscription(ctx context.Context, inner stream.Subscription, after int64, every time.Duration,
	load func(context.Context) (chat.Turn, error), outcome func(context.Context, chat.Turn) (chat.Event, error)) *relay {
	return newRelay(ctx, inner, func(r *relay) {
		tick := time.NewTicker(every)
		defer tick.Stop()
		seen := after
		for {
			select {
			case <-r.ctx.Done():
				return
			case e, ok := <-inner.Events():
				if !ok || !r.send(e) || e.Type.Terminal() {
					return
				}
				seen = e.Seq
				tick.Reset(every)
			case <-tick.C:
				t, err := load(r.ctx)
				if err != nil || !t.Ended() {
					continue // not ended (or not known now): keep waiting
				}
				end, err := outcome(r.ctx, t)
				if err != nil {
					continue
				}
				end.Seq = seen + 1
				r.send(end)
				return
			}
		}
	})
}
