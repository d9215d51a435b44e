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
	// deliverBatch bounds how many events a subscription copies out under the lock at a time. The
	// batch lives in the feeding goroutine's frame for the subscription's whole life, idle or not:
	// 64 events (72 bytes each) made every subscriber's stack 8 KiB instead of 4 (SPEC §4 P8,
	// memory per idle SSE connection); 8 costs a replay a lock round per 8 events instead of 64.
	deliverBatch = 8
)

var errBusClosed = domain.Errorf(domain.KindUnavailable, "stream bus: closed")

// StreamBus is the stream bus of a single process: each turn's events in a slice, subscribers
// woken by a per-turn channel that is closed when an event is appended. It runs no goroutine of its
// own, only one per subscription: a shard drops the logs of expired turns whenever it has doubled
// in size since it last did (as the rate limiter does), so memory follows the turns alive within
// their retention, and a read never sees an expired turn, swept or not.
type StreamBus struct {
	clock  usecase.Clock
	seed   maphash.Seed
	shards [streamShards]streamShard

	// life guards closed against the wg.Add of a new subscription, so Close waits for every one.
	life   sync.RWMutex
	closed bool
	done   chan struct{} // closed by Close: every subscription ends
	wg     sync.WaitGroup
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

// Subscribe implements stream.Bus. Its goroutine reads the log under the shard's lock, so replay
// and live delivery are one loop over one slice: there is no seam between them to lose or repeat
// an event in.
func (b *StreamBus) Subscribe(ctx context.Context, turnID domain.ID, after int64) (stream.Subscription, error) {
	if err := stream.CheckSubscribe(turnID, after); err != nil {
		return nil, err
	}
	b.life.RLock()
	defer b.life.RUnlock()
	if b.closed {
		return nil, errBusClosed
	}
	s := b.shard(turnID)
	s.mu.Lock()
	log := s.log(turnID, b.clock.Now())
	log.subs++
	s.mu.Unlock()

	sub := newStreamSub()
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.feed(ctx, sub, s, log, turnID, after)
		s.mu.Lock()
		log.subs--
		s.mu.Unlock()
		sub.end(nil)
	}()
	return sub, nil
}

// feed hands the subscriber every event after `after`, waiting for new ones, until ctx ends, the
// subscription or the bus is closed.
func (b *StreamBus) feed(ctx context.Context, sub *streamSub, s *streamShard, log *turnLog, turnID domain.ID, after int64) {
	last := after
	batch := make([]chat.Event, 0, deliverBatch)
	for {
		batch = batch[:0]
		s.mu.Lock()
		log.expireBy(b.clock.Now())
		// An expired log starts again from 1; a subscriber already past its new length waits for
		// the numbers it has not seen, as it would on any bus whose store forgot the turn.
		for i := last; i < int64(len(log.events)) && len(batch) < deliverBatch; i++ {
			e := log.events[i]
			batch = append(batch, chat.Event{TurnID: turnID, Seq: i + 1, Attempt: e.attempt, Type: e.typ, Data: []byte(e.data)})
		}
		var changed chan struct{}
		if len(batch) == 0 {
			if log.changed == nil {
				log.changed = make(chan struct{})
			}
			changed = log.changed
		}
		s.mu.Unlock()

		if changed != nil {
			select {
			case <-changed:
				continue
			case <-ctx.Done():
			case <-sub.stop:
			case <-b.done:
			}
			return
		}
		for _, e := range batch {
			select {
			case sub.events <- e:
				last = e.Seq
			case <-ctx.Done():
				return
			case <-sub.stop:
				return
			case <-b.done:
				return
			}
		}
	}
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

// Close ends every subscription, waits for their goroutines, and refuses further calls with
// KindUnavailable.
func (b *StreamBus) Close() error {
	b.life.Lock()
	if !b.closed {
		b.closed = true
		close(b.done)
	}
	b.life.Unlock()
	b.wg.Wait()
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

// streamSub is a subscription fed by one goroutine, which alone sends on and closes events.
type streamSub struct {
	events chan chat.Event
	stop   chan struct{} // closed by Close
	once   sync.Once
	ended  chan struct{} // closed when the feeding goroutine is done
	mu     sync.Mutex
	err    error
}

func newStreamSub() *streamSub {
	return &streamSub{events: make(chan chat.Event), stop: make(chan struct{}), ended: make(chan struct{})}
}

func (s *streamSub) Events() <-chan chat.Event { return s.events }

func (s *streamSub) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription and returns once its channel is closed.
func (s *streamSub) Close() {
	s.once.Do(func() { close(s.stop) })
	<-s.ended
}

func (s *streamSub) end(err error) {
	s.mu.Lock()
	s.err = err
	s.mu.Unlock()
	close(s.events)
	close(s.ended)
}
