package postgres

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

const (
	// The listener reconnects after 50 ms, backing off to a second while the server stays away. The
	// maximum also bounds how long Close waits for a listener between two attempts.
	minReconnect = 50 * time.Millisecond
	maxReconnect = time.Second
	// listenTimeout bounds how long Subscribe waits for the listener's first connection when the
	// caller's context does not.
	listenTimeout = 10 * time.Second
	// liveBuffer is how many notifications a subscription holds while its reader is slow; past it
	// they are dropped, and the subscription catches up from the table instead.
	liveBuffer = 64
)

// listener is the bus's one LISTEN connection.
type listener struct {
	l     *pq.Listener
	ready chan struct{} // closed once LISTEN is in place
	// failed is closed, with err set, when the listener fails before it is ready: its first
	// connection attempt failed (it goes on trying), or LISTEN itself failed (it is discarded).
	failed chan struct{}
	once   sync.Once
	err    error
}

func (ln *listener) fail(err error) {
	ln.once.Do(func() {
		ln.err = err
		close(ln.failed)
	})
}

// listen returns the bus's listener, starting it if there is none. The caller holds b.mu.
func (b *StreamBus) listen() *listener {
	if b.listener != nil {
		return b.listener
	}
	ln := &listener{ready: make(chan struct{}), failed: make(chan struct{})}
	ln.l = pq.NewListener(b.dsn.Reveal(), minReconnect, maxReconnect, func(ev pq.ListenerEventType, err error) {
		if ev == pq.ListenerEventConnectionAttemptFailed {
			ln.fail(err)
		}
	})
	b.listener = ln
	b.wg.Add(2)
	go func() {
		defer b.wg.Done()
		b.dispatch(ln.l.Notify)
	}()
	go func() {
		defer b.wg.Done()
		// Listen returns once the server has acknowledged, however many reconnections that takes.
		if err := ln.l.Listen(streamChannel); err != nil {
			ln.fail(err)
			b.mu.Lock()
			if b.listener == ln {
				b.listener = nil // the next Subscribe starts afresh
			}
			b.mu.Unlock()
			_ = ln.l.Close()
			return
		}
		close(ln.ready)
	}()
	return ln
}

// dispatch hands every notification to the local subscribers of its turn, until the listener is
// closed. It must drain the listener whatever happens: the listener blocks until it does.
func (b *StreamBus) dispatch(notify <-chan *pq.Notification) {
	for n := range notify {
		if n == nil {
			// The connection was lost and is back: whatever was announced meanwhile is unheard
			// of, so every subscription catches up from the table.
			b.mu.Lock()
			for _, subs := range b.subs {
				for s := range subs {
					s.poke()
				}
			}
			b.mu.Unlock()
			continue
		}
		e, ok := parsePayload(n.Extra)
		if !ok {
			continue
		}
		b.mu.Lock()
		for s := range b.subs[e.TurnID] {
			s.offer(e)
		}
		b.mu.Unlock()
	}
}

// Subscribe implements stream.Bus. The subscription is registered for notifications — with the
// listener's LISTEN in place — before the table is read, so every event is in the table read, in a
// later notification, or both; the sequence numbers tell which, and a gap in them sends the
// subscription back to the table.
func (b *StreamBus) Subscribe(ctx context.Context, turnID domain.ID, after int64) (stream.Subscription, error) {
	if err := stream.CheckSubscribe(turnID, after); err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errBusClosed
	}
	ln := b.listen()
	// The subscription's own context ends it on Close and on the bus's Close, reads in flight included.
	ctx, cancel := context.WithCancel(ctx)
	s := &subscription{Feed: stream.NewFeed(cancel), turnID: turnID, live: make(chan chat.Event, liveBuffer),
		wake: make(chan struct{}, 1)}
	if b.subs[turnID] == nil {
		b.subs[turnID] = make(map[*subscription]struct{})
	}
	b.subs[turnID][s] = struct{}{}
	b.wg.Add(1)
	b.mu.Unlock()

	backlog, err := b.startSubscription(ctx, ln, turnID, after)
	if err != nil {
		cancel()
		b.unregister(s)
		b.wg.Done()
		return nil, err
	}
	go func() {
		defer b.wg.Done()
		err := b.follow(ctx, s, after, backlog)
		b.unregister(s)
		cancel()
		s.End(err)
	}()
	return s, nil
}

// startSubscription waits for the listener and reads the first page of stored events, so that a
// store that cannot be reached fails Subscribe rather than the subscription.
func (b *StreamBus) startSubscription(ctx context.Context, ln *listener, turnID domain.ID, after int64) ([]chat.Event, error) {
	select {
	case <-ln.ready:
	default:
		timer := time.NewTimer(listenTimeout)
		defer timer.Stop()
		select {
		case <-ln.ready:
		case <-ln.failed:
			return nil, unavailableStream("listen", ln.err)
		case <-ctx.Done():
			return nil, unavailableStream("listen", ctx.Err())
		case <-timer.C:
			return nil, domain.Errorf(domain.KindUnavailable, "stream bus listen: not connected after %s", listenTimeout)
		}
	}
	return b.read(ctx, turnID, after, readPage)
}

func (b *StreamBus) unregister(s *subscription) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs[s.turnID], s)
	if len(b.subs[s.turnID]) == 0 {
		delete(b.subs, s.turnID)
	}
}

// follow delivers the backlog, then live events in sequence, going back to the table whenever a
// notification is missing (lost in a reconnection, or dropped while the reader was slow). It returns
// nil when ctx ends (the caller's, Close's or the bus's), and the store's error when the table cannot
// be read.
func (b *StreamBus) follow(ctx context.Context, s *subscription, last int64, backlog []chat.Event) error {
	deliver := func(e chat.Event) bool {
		select {
		case s.Send() <- e:
			last = e.Seq
			return true
		case <-ctx.Done():
			return false
		}
	}
	catchUp := func() error {
		for {
			page, err := b.read(ctx, s.turnID, last, readPage)
			if err != nil {
				return err
			}
			for _, e := range page {
				if !deliver(e) {
					return nil
				}
			}
			if len(page) < readPage {
				return nil
			}
		}
	}
	for _, e := range backlog {
		if !deliver(e) {
			return nil
		}
	}
	pending := len(backlog) == readPage // the first page was full: there is more
	for {
		if pending {
			if err := catchUp(); err != nil && ctx.Err() == nil {
				return err
			}
			pending = false
		}
		select {
		case e := <-s.live:
			switch {
			case e.Seq <= last: // already delivered, from the table or a repeated notice
			case e.Seq == last+1:
				if !deliver(e) {
					return nil
				}
			default:
				pending = true
			}
		case <-s.wake:
			pending = true
		case <-ctx.Done():
			return nil
		}
	}
}

// subscription is one subscriber's view: notifications arrive on live, its goroutine alone feeds it.
type subscription struct {
	*stream.Feed
	turnID domain.ID
	live   chan chat.Event
	wake   chan struct{} // a catch-up from the table is due
}

// offer hands a notification over without ever blocking the dispatcher (which serves every
// subscription): when the buffer is full the event is dropped and a catch-up requested instead.
// Each subscription gets its own copy of the data.
func (s *subscription) offer(e chat.Event) {
	e.Data = bytes.Clone(e.Data)
	select {
	case s.live <- e:
	default:
		s.poke()
	}
}

func (s *subscription) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}
