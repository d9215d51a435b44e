package chat

import (
	"context"
	"encoding/json"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

func jsonBytes(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, domain.Errorf(domain.KindInternal, "encode event: %w", err)
	}
	return b, nil
}

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

// endedSubscription relays an ended turn's events up to the last one the bus holds, and ends with
// the recorded outcome when they do not include a terminal event.
type endedSubscription struct {
	inner  stream.Subscription
	ch     chan chat.Event
	cancel context.CancelFunc
	done   chan struct{}
}

func newEndedSubscription(ctx context.Context, inner stream.Subscription, last int64, end chat.Event) *endedSubscription {
	ctx, cancel := context.WithCancel(ctx)
	s := &endedSubscription{inner: inner, ch: make(chan chat.Event), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.ch)
		send := func(e chat.Event) bool {
			select {
			case s.ch <- e:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for e := range inner.Events() {
			if !send(e) || e.Type.Terminal() {
				return
			}
			if e.Seq >= last {
				end.Seq = e.Seq + 1
				send(end)
				return
			}
		}
	}()
	return s
}

func (s *endedSubscription) Events() <-chan chat.Event { return s.ch }
func (s *endedSubscription) Err() error                { return s.inner.Err() }
func (s *endedSubscription) Close() {
	s.cancel()
	s.inner.Close()
	<-s.done
}

// watchedSubscription relays a running turn's events and, when the bus stays quiet, looks at the
// turn itself: one that ended without its terminal event reaching the bus (a reaper that could
// not publish, a Finish that gave up) ends the stream with its recorded outcome, so a follower
// never waits forever.
type watchedSubscription struct {
	inner  stream.Subscription
	ch     chan chat.Event
	cancel context.CancelFunc
	done   chan struct{}
}

func newWatchedSubscription(ctx context.Context, inner stream.Subscription, after int64, every time.Duration,
	load func(context.Context) (chat.Turn, error), outcome func(context.Context, chat.Turn) (chat.Event, error)) *watchedSubscription {
	ctx, cancel := context.WithCancel(ctx)
	s := &watchedSubscription{inner: inner, ch: make(chan chat.Event), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer close(s.ch)
		tick := time.NewTicker(every)
		defer tick.Stop()
		seen := after
		send := func(e chat.Event) bool {
			select {
			case s.ch <- e:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for {
			select {
			case <-ctx.Done():
				return
			case e, ok := <-inner.Events():
				if !ok || !send(e) || e.Type.Terminal() {
					return
				}
				seen = e.Seq
				tick.Reset(every)
			case <-tick.C:
				t, err := load(ctx)
				if err != nil || !t.Status.Final() {
					continue // not ended (or not known now): keep waiting
				}
				end, err := outcome(ctx, t)
				if err != nil {
					continue
				}
				end.Seq = seen + 1
				send(end)
				return
			}
		}
	}()
	return s
}

func (s *watchedSubscription) Events() <-chan chat.Event { return s.ch }
func (s *watchedSubscription) Err() error                { return s.inner.Err() }
func (s *watchedSubscription) Close() {
	s.cancel()
	s.inner.Close()
	<-s.done
}
