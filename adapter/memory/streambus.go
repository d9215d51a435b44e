package memory

import (
	"context"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"github.com/google/wire"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/stream"
)

// StreamBusSet provides the in-process stream bus as the stream.Bus port.
var StreamBusSet = wire.NewSet(NewStreamBus, wire.Bind(new(stream.Bus), new(*StreamBus)))

var _ stream.Bus = (*StreamBus)(nil)

// Limits of one turn's log. A turn publishes a few hundred token batches; these caps only stop a
// runaway publisher from taking the process's memory. Past either, Publish refuses with
// stream.ErrTurnFull (KindInvalid: retrying cannot help) and the turn's earlier events stay intact,
// so its subscribers still hold a consistent prefix.
const (
	MaxTurnEvents = 10_000
	MaxTurnBytes  = 8 << 20
)

const (
	// streamShards spread the turns over independent locks: publishers and subscribers of different
	// turns rarely wait for each other, and one lock per shard (rather than per turn) makes creating
	// and dropping a turn's log as simple as reading it.
	streamShards = 32
	// minTurnSweep keeps a small shard from sweeping on every new turn.
	minTurnSweep = 64
)

var errBusClosed = domain.Errorf(domain.KindUnavailable, "stream bus: closed")

// StreamBus is the stream bus of a single process: each turn's events in a slice, subscribers
// woken by a per-turn channel that is closed when an event is appended. It runs no goroutine at all —
// a subscriber reads in its own — and a shard drops the logs of expired turns whenever it has doubled
// in size since it last did (as the rate limiter does), so memory follows the turns alive within
// their retention, and a read never sees an expired turn, swept or not.
type StreamBus struct {
	clock  usecase.Clock
	seed   maphash.Seed
	shards [streamShards]streamShard

	life   sync.RWMutex // guards closed
	closed bool
	done   chan struct{} // closed by Close: every subscription ends
}

type streamShard struct {
	mu      sync.Mutex
	turns   map[domain.ID]*turnLog
	sweepAt int
}

// turnLog is one turn's stream; every field is guarded by its shard's lock.
type turnLog struct {
	events []storedEvent // events[i] has sequence number i+1
	bytes  int
	// expires is when the events are forgotten: DefaultRetention after the first event, until
	// Expire says otherwise. Zero while the log is empty.
	expires time.Time
	// subs counts live subscriptions; a log they wait on is never dropped, only emptied.
	subs int
	// changed is closed when an event is appended; nil until a subscriber waits.
	changed chan struct{}
}

// storedEvent keeps data as a string: immutable, so every subscriber can be handed a copy without
// the publisher's buffer (or another subscriber) being able to change it.
type storedEvent struct {
	attempt int
	typ     chat.EventType
	data    string
}

// NewStreamBus returns an empty bus that reads the time from clock.
func NewStreamBus(clock usecase.Clock) *StreamBus {
	b := &StreamBus{clock: clock, seed: maphash.MakeSeed(), done: make(chan struct{})}
	for i := range b.shards {
		b.shards[i].turns = make(map[domain.ID]*turnLog)
		b.shards[i].sweepAt = minTurnSweep
	}
	return b
}

func (b *StreamBus) shard(turnID domain.ID) *streamShard {
	return &b.shards[maphash.Comparable(b.seed, turnID)%streamShards]
}

// Publish implements stream.Bus.
func (b *StreamBus) Publish(_ context.Context, turnID domain.ID, attempt int, typ chat.EventType, data []byte) (int64, error) {
	if err := stream.CheckPublish(turnID, attempt, typ, data); err != nil {
		return 0, err
	}
	if b.isClosed() {
		return 0, errBusClosed
	}
	s := b.shard(turnID)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := b.clock.Now()
	log := s.log(turnID, now)
	log.expireBy(now)
	if len(log.events) >= MaxTurnEvents || log.bytes+len(data) > MaxTurnBytes {
		return 0, stream.ErrTurnFull.Wrap(fmt.Errorf("turn %s holds %d events, %d bytes", turnID, len(log.events), log.bytes))
	}
	if len(log.events) == 0 {
		log.expires = now.Add(stream.DefaultRetention)
	}
	log.events = append(log.events, storedEvent{attempt: attempt, typ: typ, data: string(data)})
	log.bytes += len(data)
	if log.changed != nil {
		close(log.changed)
		log.changed = nil
	}
	return int64(len(log.events)), nil
}

// Expire implements stream.Bus. A turn with no events has nothing to forget; one published later
// gets the default retention.
func (b *StreamBus) Expire(_ context.Context, turnID domain.ID, ttl time.Duration) error {
	if err := stream.CheckExpire(turnID, ttl); err != nil {
		return err
	}
	s := b.shard(turnID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if log := s.turns[turnID]; log != nil && len(log.events) > 0 {
		log.expires = b.clock.Now().Add(ttl)
	}
	return nil
}

// Last implements stream.Bus. It never creates a turn's log: asking about any number of turns costs
// no memory.
func (b *StreamBus) Last(_ context.Context, turnID domain.ID) (int64, error) {
	if err := stream.CheckLast(turnID); err != nil {
		return 0, err
	}
	if b.isClosed() {
		return 0, errBusClosed
	}
	s := b.shard(turnID)
	s.mu.Lock()
	defer s.mu.Unlock()
	log := s.turns[turnID]
	if log == nil {
		return 0, nil
	}
	log.expireBy(b.clock.Now())
	return int64(len(log.events)), nil
}

// Subscribe implements stream.Bus. The subscription reads the log under the shard's lock in its
// reader's own goroutine, so replay and live delivery are one walk over one slice — no seam between
// them to lose or repeat an event in — and an idle subscriber costs its reader's wait, no goroutine.
func (b *StreamBus) Subscribe(ctx context.Context, turnID domain.ID, after int64) (stream.Subscription, error) {
	if err := stream.CheckSubscribe(turnID, after); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if b.isClosed() {
		return nil, errBusClosed
	}
	s := b.shard(turnID)
	s.mu.Lock()
	log := s.log(turnID, b.clock.Now())
	log.subs++
	s.mu.Unlock()

	sub := &streamSub{bus: b, shard: s, log: log, turnID: turnID, last: after, done: make(chan struct{})}
	// The subscription ends with its context even when nobody reads it any more, so that the log
	// it holds on to can go.
	sub.stopAfter = context.AfterFunc(ctx, sub.release)
	return sub, nil
}

// log returns the turn's log, creating it (and sweeping the shard when it has doubled) if absent.
// The caller holds s.mu.
func (s *streamShard) log(turnID domain.ID, now time.Time) *turnLog {
	if log := s.turns[turnID]; log != nil {
		return log
	}
	// Sweep before adding: the new log is empty and unwatched, so a sweep would drop it.
	if len(s.turns)+1 >= s.sweepAt {
		s.sweep(now)
	}
	log := &turnLog{}
	s.turns[turnID] = log
	return log
}

// sweep rebuilds the shard's map from the logs that still hold events or have subscribers:
// deleting alone would never give the map's buckets back.
func (s *streamShard) sweep(now time.Time) {
	live := make(map[domain.ID]*turnLog, len(s.turns)/2)
	for id, log := range s.turns {
		log.expireBy(now)
		if len(log.events) > 0 || log.subs > 0 {
			live[id] = log
		}
	}
	s.turns = live
	s.sweepAt = max(2*len(live), minTurnSweep)
}

// expireBy empties the log if its time has come. The caller holds the shard's lock.
func (l *turnLog) expireBy(now time.Time) {
	if !l.expires.IsZero() && !now.Before(l.expires) {
		l.events, l.bytes, l.expires = nil, 0, time.Time{}
	}
}

func (b *StreamBus) isClosed() bool {
	b.life.RLock()
	defer b.life.RUnlock()
	return b.closed
}

// Close ends every subscription (their readers get stream.ErrEnded) and refuses further calls
// with KindUnavailable.
func (b *StreamBus) Close() error {
	b.life.Lock()
	if !b.closed {
		b.closed = true
		close(b.done)
	}
	b.life.Unlock()
	return nil
}

// turns is the number of turn logs held, expired ones not yet swept included (for tests).
func (b *StreamBus) turns() int {
	n := 0
	for i := range b.shards {
		s := &b.shards[i]
		s.mu.Lock()
		n += len(s.turns)
		s.mu.Unlock()
	}
	return n
}

// streamSub is one subscriber's place in a turn's log.
type streamSub struct {
	bus    *StreamBus
	shard  *streamShard
	log    *turnLog
	turnID domain.ID
	last   int64 // the sequence number of the last event returned; only Next touches it

	once      sync.Once
	done      chan struct{} // closed by release: Close, or the Subscribe context ended
	stopAfter func() bool
}

// Next implements stream.Subscription: the next event of the log if there is one, else a wait for
// the log to change.
func (sub *streamSub) Next(ctx context.Context) (chat.Event, error) {
	for {
		select {
		case <-sub.done:
			return chat.Event{}, stream.ErrEnded
		case <-sub.bus.done:
			sub.release()
			return chat.Event{}, stream.ErrEnded
		default:
		}
		s := sub.shard
		s.mu.Lock()
		log := sub.log
		log.expireBy(sub.bus.clock.Now())
		// An expired log starts again from 1; a subscriber already past its new length waits for
		// the numbers it has not seen, as it would on any bus whose store forgot the turn.
		if sub.last < int64(len(log.events)) {
			e := log.events[sub.last]
			sub.last++
			s.mu.Unlock()
			return chat.Event{TurnID: sub.turnID, Seq: sub.last, Attempt: e.attempt, Type: e.typ, Data: []byte(e.data)}, nil
		}
		if log.changed == nil {
			log.changed = make(chan struct{})
		}
		changed := log.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return chat.Event{}, ctx.Err()
		case <-sub.done:
		case <-sub.bus.done:
		}
	}
}

// Close implements stream.Subscription.
func (sub *streamSub) Close() {
	sub.stopAfter()
	sub.release()
}

// release ends the subscription once: the log it watched may be swept when nobody else does.
func (sub *streamSub) release() {
	sub.once.Do(func() {
		close(sub.done)
		s := sub.shard
		s.mu.Lock()
		sub.log.subs--
		s.mu.Unlock()
	})
}
