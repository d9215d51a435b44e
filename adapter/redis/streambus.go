package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/wire"
	goredis "github.com/redis/go-redis/v9"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

// StreamBusSet provides the Redis stream bus as the stream.Bus port.
var StreamBusSet = wire.NewSet(NewStreamBus, wire.Bind(new(stream.Bus), new(*StreamBus)))

var _ stream.Bus = (*StreamBus)(nil)

const (
	// turnKeyPrefix starts the keys of a turn: companionhub:turn:<id>:events is its stream.
	turnKeyPrefix = "companionhub:turn:"
	// blockFor bounds one XREAD BLOCK. go-redis does not interrupt a blocked read when its context
	// is cancelled (only a deadline, and only with ContextTimeoutEnabled, shortens it), so a
	// subscription's reader notices the end of its context within this long; the subscription
	// itself ends at once (see Subscribe). An idle subscriber costs one XREAD per blockFor.
	blockFor = time.Second
	// readCount bounds the entries one XREAD returns.
	readCount = 256
)

// publishScript appends an event whose stream entry ID is <seq>-0, seq being one more than the last
// entry's (1 for a new stream). Redis runs a script atomically, so concurrent publishers — from any
// number of replicas — get consecutive numbers with no gap, and the ID is the sequence number
// itself: XREAD from "<after>-0" is then exactly "every event after", for replay and live alike.
// A new stream gets the default retention, which Expire replaces; XADD keeps an existing TTL.
//
// The turn has one key, so it expires as a whole and a cluster finds it on one node. KEYS[1] is the
// stream; ARGV the attempt, type, data and retention in milliseconds. It returns the sequence number.
var publishScript = goredis.NewScript(`
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq = 1
if #last > 0 then
  seq = tonumber(string.match(last[1][1], '^(%d+)')) + 1
end
redis.call('XADD', KEYS[1], string.format('%d-0', seq), 'a', ARGV[1], 't', ARGV[2], 'd', ARGV[3])
if seq == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return seq
`)

var errBusClosed = domain.Errorf(domain.KindUnavailable, "stream bus: closed")

// StreamBus is the stream bus over Redis Streams, one stream per turn.
//
// Pool sizing: a subscription holds one of the client's connections for as long as it follows a
// turn (XREAD BLOCK), and for up to blockFor after it ends. go-redis's default pool (10 per CPU)
// is thus exhausted by a few dozen SSE clients, after which Publish waits PoolTimeout and fails.
// Give the bus a client whose PoolSize covers the concurrent subscribers of a replica plus the
// publishers (pool_size= in the Redis URL), or a client of its own.
type StreamBus struct {
	c goredis.UniversalClient

	mu     sync.Mutex
	closed bool
	subs   map[*subscription]struct{} // to end them on Close
	wg     sync.WaitGroup
}

// NewStreamBus returns a bus over c (a client, a cluster client or a ring). The script is loaded on
// first use and again whenever Redis has forgotten it.
func NewStreamBus(c goredis.UniversalClient) *StreamBus {
	return &StreamBus{c: c, subs: make(map[*subscription]struct{})}
}

func streamKey(turnID domain.ID) string { return turnKeyPrefix + turnID.String() + ":events" }

// Publish implements stream.Bus.
func (b *StreamBus) Publish(ctx context.Context, turnID domain.ID, attempt int, typ chat.EventType, data []byte) (int64, error) {
	if err := stream.CheckPublish(turnID, attempt, typ, data); err != nil {
		return 0, err
	}
	if b.isClosed() {
		return 0, errBusClosed
	}
	seq, err := publishScript.Run(ctx, b.c, []string{streamKey(turnID)},
		attempt, string(typ), data, stream.DefaultRetention.Milliseconds()).Int64()
	if err != nil {
		return 0, unavailableStream("publish", err)
	}
	return seq, nil
}

// Expire implements stream.Bus. A turn with no events has no key, and nothing to forget.
func (b *StreamBus) Expire(ctx context.Context, turnID domain.ID, ttl time.Duration) error {
	if err := stream.CheckExpire(turnID, ttl); err != nil {
		return err
	}
	ms := ttl.Milliseconds()
	if ttl > 0 && ms == 0 {
		ms = 1 // PEXPIRE 0 deletes at once; a positive ttl keeps the events for a moment
	}
	if err := b.c.PExpire(ctx, streamKey(turnID), time.Duration(ms)*time.Millisecond).Err(); err != nil {
		return unavailableStream("expire", err)
	}
	return nil
}

// Last implements stream.Bus: the ID of the stream's last entry, which is the turn's counter (the
// script numbers each event from it, and nothing trims a stream). An expired turn has no key, and
// XREVRANGE of a missing key is empty.
func (b *StreamBus) Last(ctx context.Context, turnID domain.ID) (int64, error) {
	if err := stream.CheckLast(turnID); err != nil {
		return 0, err
	}
	if b.isClosed() {
		return 0, errBusClosed
	}
	key := streamKey(turnID)
	last, err := b.c.XRevRangeN(ctx, key, "+", "-", 1).Result()
	if err != nil {
		return 0, unavailableStream("last", err)
	}
	if len(last) == 0 {
		return 0, nil
	}
	seq, err := seqOf(last[0].ID)
	if err != nil {
		return 0, domain.Errorf(domain.KindInternal, "stream bus: %s entry %s: %w", key, last[0].ID, err)
	}
	return seq, nil
}

// Subscribe implements stream.Bus. Replay and live delivery are one XREAD loop from the last ID
// seen, so there is no seam between them to lose or repeat an event in. A reader goroutine issues
// the reads and a feeder goroutine hands events over: the feeder ends (and closes the channel) as
// soon as the subscription does, while the reader may finish its blocked read first.
func (b *StreamBus) Subscribe(ctx context.Context, turnID domain.ID, after int64) (stream.Subscription, error) {
	if err := stream.CheckSubscribe(turnID, after); err != nil {
		return nil, err
	}
	if b.isClosed() {
		return nil, errBusClosed
	}
	// The first read does not block: an unreachable server fails Subscribe, not the subscription.
	backlog, err := b.read(ctx, turnID, after, -1)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	s := &subscription{stream.NewFeed(cancel)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		cancel()
		return nil, errBusClosed
	}
	b.subs[s] = struct{}{}
	b.wg.Add(1)
	b.mu.Unlock()

	last := after
	if len(backlog) > 0 {
		last = backlog[len(backlog)-1].Seq
	}
	reads := make(chan readResult)
	// The reader is not waited for by Close: it ends within blockFor of ctx, or at once when the
	// client is closed, and waiting for it would make every Close take that long.
	go b.readLoop(ctx, turnID, last, reads)
	go func() {
		defer b.wg.Done()
		err := feed(ctx, s, backlog, reads)
		cancel()
		b.mu.Lock()
		delete(b.subs, s)
		b.mu.Unlock()
		s.End(err)
	}()
	return s, nil
}

type readResult struct {
	events []chat.Event
	err    error
}

// readLoop reads the stream after last until ctx ends or a read fails, which it reports last.
func (b *StreamBus) readLoop(ctx context.Context, turnID domain.ID, last int64, out chan<- readResult) {
	for {
		events, err := b.read(ctx, turnID, last, blockFor)
		if ctx.Err() != nil {
			return
		}
		if err == nil && len(events) == 0 {
			continue // the block timed out
		}
		select {
		case out <- readResult{events, err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
		last = events[len(events)-1].Seq
	}
}

// feed hands over the backlog and then what the reader reads, until ctx ends (nil) or a read fails.
func feed(ctx context.Context, s *subscription, backlog []chat.Event, reads <-chan readResult) error {
	deliver := func(events []chat.Event) bool {
		for _, e := range events {
			select {
			case s.Send() <- e:
			case <-ctx.Done():
				return false
			}
		}
		return true
	}
	if !deliver(backlog) {
		return nil
	}
	for {
		select {
		case r := <-reads:
			if r.err != nil {
				return r.err
			}
			if !deliver(r.events) {
				return nil
			}
		case <-ctx.Done():
			return nil
		}
	}
}

// read returns the stream's events after the sequence number after, waiting up to block for one
// when there are none (a negative block does not wait).
func (b *StreamBus) read(ctx context.Context, turnID domain.ID, after int64, block time.Duration) ([]chat.Event, error) {
	key := streamKey(turnID)
	res, err := b.c.XRead(ctx, &goredis.XReadArgs{
		Streams: []string{key, strconv.FormatInt(after, 10) + "-0"}, Count: readCount, Block: block,
	}).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailableStream("read", err)
	}
	var out []chat.Event
	for _, st := range res {
		for _, m := range st.Messages {
			e, err := parseEntry(turnID, m)
			if err != nil {
				return nil, domain.Errorf(domain.KindInternal, "stream bus: %s entry %s: %w", key, m.ID, err)
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func parseEntry(turnID domain.ID, m goredis.XMessage) (chat.Event, error) {
	seq, err := seqOf(m.ID)
	if err != nil {
		return chat.Event{}, err
	}
	a, _ := m.Values["a"].(string)
	t, _ := m.Values["t"].(string)
	d, ok := m.Values["d"].(string)
	attempt, err := strconv.Atoi(a)
	if err != nil || !ok {
		return chat.Event{}, fmt.Errorf("malformed fields %v", m.Values)
	}
	return chat.Event{TurnID: turnID, Seq: seq, Attempt: attempt, Type: chat.EventType(t), Data: []byte(d)}, nil
}

// seqOf reads the sequence number of an entry ID, "<seq>-0".
func seqOf(id string) (int64, error) {
	ms, _, _ := strings.Cut(id, "-")
	return strconv.ParseInt(ms, 10, 64)
}

func (b *StreamBus) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Close ends every subscription and returns once their channels are closed; their readers give
// their connections back within blockFor (at once if the client is closed next). The client
// belongs to the caller. Later calls fail with KindUnavailable.
func (b *StreamBus) Close() error {
	b.mu.Lock()
	b.closed = true
	for s := range b.subs {
		s.Stop()
	}
	b.mu.Unlock()
	b.wg.Wait()
	return nil
}

func unavailableStream(op string, err error) error {
	return domain.Errorf(domain.KindUnavailable, "stream bus %s: %w", op, err)
}

// subscription is fed by one goroutine.
type subscription struct{ *stream.Feed }
