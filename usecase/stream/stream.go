// Package stream is the port turn events travel through, from the step that produces them to every
// client following the turn — across processes and replicas when the bus is shared.
package stream

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// Bus carries turn events. Implementations: adapter/memory (one process), adapter/postgres
// (LISTEN/NOTIFY with a table for replay), adapter/redis (Streams); conformance:
// test/contract/streamtest.
//
// Publish appends an event to the turn's stream and returns its sequence number: 1 for the first
// event of a turn, then one more per event, assigned atomically so concurrent publishers (a retried
// step, parallel steps, several workers) never share or skip a number. Data is a JSON object of at
// most MaxData bytes.
//
// Subscribe delivers, in order and exactly once each, every event of the turn with a sequence
// number greater than after — first those already published (replay), then new ones as they are
// published — until ctx ends or Close is called. Subscribing before or after publishing gives the
// same events: nothing is lost between the replay and the live part, and nothing is repeated.
//
// Expire lets the bus forget a finished turn's events after ttl (history lives in messages, not in
// the bus).
//
// Last lets a follower of a finished turn know where its stream ends, since a bus that forgot the
// turn would otherwise keep a subscriber waiting for events that never come: when Last is not past
// what the client has seen, the rest is in the database; otherwise the follower subscribes and stops
// after event Last. It is a snapshot — events published later have greater numbers — and never
// ahead of the store: every event up to it is there for a subscription, until the turn expires.
//
// Errors: KindInvalid for what CheckPublish, CheckSubscribe, CheckExpire and CheckLast refuse;
// KindUnavailable when the store cannot be reached.
type Bus interface {
	Publish(ctx context.Context, turnID domain.ID, attempt int, typ chat.EventType, data []byte) (int64, error)
	Subscribe(ctx context.Context, turnID domain.ID, after int64) (Subscription, error)
	Expire(ctx context.Context, turnID domain.ID, ttl time.Duration) error
	// Last returns the sequence number of the turn's last event: 0 when it has none, or they expired
	// (or, for an in-process bus, were lost with the process that held them).
	Last(ctx context.Context, turnID domain.ID) (int64, error)
}

// Subscription is a live view of one turn's events, read by one goroutine at a time (Close may
// come from any). It holds no goroutine of its own where the bus needs none: a follower's
// connection waits in Next, so ten thousand idle followers cost ten thousand parked readers and no
// more (SPEC §4 P8).
type Subscription interface {
	// Next returns the next event, in order, waiting until one comes, ctx ends or the
	// subscription ends. When ctx ends first it returns ctx's error and nothing is lost: the event
	// comes with a later call (a follower writes a heartbeat and asks again). When the subscription
	// ended it returns ErrEnded — after Close, or once Subscribe's context ended — or, from then
	// on, the failure that ended it.
	Next(ctx context.Context) (chat.Event, error)
	Close()
}

// ErrEnded is Next's answer once a subscription was closed or its context ended.
var ErrEnded = errors.New("stream: the subscription ended")

// Events ranges over sub's events until it ends or ctx does. A failure, or ctx's end, comes as the
// last pair's error; an ending that is none (ErrEnded) just stops the loop:
//
//	for e, err := range stream.Events(ctx, sub) { … }
func Events(ctx context.Context, sub Subscription) iter.Seq2[chat.Event, error] {
	return func(yield func(chat.Event, error) bool) {
		for {
			e, err := sub.Next(ctx)
			if errors.Is(err, ErrEnded) {
				return
			}
			if !yield(e, err) || err != nil {
				return
			}
		}
	}
}

// MaxData bounds one event's data: token batches are small, and PostgreSQL's NOTIFY payload (8000
// bytes) must fit an event with its envelope.
const MaxData = 6000
