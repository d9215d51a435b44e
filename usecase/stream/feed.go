package stream

import (
	"context"
	"sync"

	"github.com/companionhub/companionhub/domain/chat"
)

// Feed is the plumbing of a Subscription fed by one goroutine, which alone sends on Send and ends
// it with End; bus adapters whose events arrive from elsewhere (a socket, a listener) embed it and
// add how they find them.
type Feed struct {
	events chan chat.Event
	cancel context.CancelFunc
	ended  chan struct{} // closed when the feeder is done
	mu     sync.Mutex
	err    error
}

// NewFeed returns a feed whose feeder stops when cancel is called (by Close or Stop).
func NewFeed(cancel context.CancelFunc) *Feed {
	return &Feed{events: make(chan chat.Event), cancel: cancel, ended: make(chan struct{})}
}

// Send is where the feeder delivers events, in order.
func (f *Feed) Send() chan<- chat.Event { return f.events }

// Next implements Subscription: an event the feeder offers while ctx ends stays offered, for the
// next call.
func (f *Feed) Next(ctx context.Context) (chat.Event, error) {
	select {
	case e, ok := <-f.events:
		if ok {
			return e, nil
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.err != nil {
			return chat.Event{}, f.err
		}
		return chat.Event{}, ErrEnded
	case <-ctx.Done():
		return chat.Event{}, ctx.Err()
	}
}

// Stop asks the feeder to end, without waiting (a closing bus stops every feed at once).
func (f *Feed) Stop() { f.cancel() }

// Close ends the subscription and returns once its channel is closed.
func (f *Feed) Close() {
	f.cancel()
	<-f.ended
}

// End is the feeder's last act: it records why and closes the channel.
func (f *Feed) End(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
	close(f.events)
	close(f.ended)
}
