package streamtest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/stream"
)

// readContiguous reads until the event with sequence last, checking that the subscription yields
// after+1, after+2, … last with no gap and no repeat, and that each event's data is want(seq). It
// runs on goroutines other than the test's, so it reports instead of failing.
func readContiguous(sub stream.Subscription, turn domain.ID, after, last int64, want func(seq int64) []byte) error {
	for expect := after + 1; expect <= last; expect++ {
		e, err := receive(sub)
		if err != nil {
			return fmt.Errorf("waiting for %d (subscribed after %d): %w", expect, after, err)
		}
		if e.Seq != expect {
			return fmt.Errorf("subscribed after %d: got %d where %d was due (a lost or repeated event)", after, e.Seq, expect)
		}
		if e.TurnID != turn {
			return fmt.Errorf("event %d belongs to turn %s", e.Seq, e.TurnID)
		}
		if w := want(e.Seq); w != nil && string(e.Data) != string(w) {
			return fmt.Errorf("event %d carries %s, want %s", e.Seq, e.Data, w)
		}
	}
	return nil
}

// testConcurrentPublishers is several workers publishing to one turn at once (parallel steps, a
// retried step overlapping its predecessor, replicas): numbers are shared out without gaps or
// repeats, and subscribers see every event once, in order.
func testConcurrentPublishers(t *testing.T, bus stream.Bus) {
	const publishers, each = 8, 100
	const total = publishers * each
	turn := newTurn()
	early := []stream.Subscription{subscribe(t, bus, turn, 0), subscribe(t, bus, turn, 0)}

	stopWatching := make(chan struct{})
	watcher := lastWatcher(t, bus, turn, total, stopWatching)
	var mu sync.Mutex
	bySeq := make(map[int64][]byte, total)
	errs := make(chan error, publishers)
	for p := range publishers {
		go func() {
			var last int64
			for i := range each {
				data := fmt.Appendf(nil, `{"p":%d,"i":%d}`, p, i)
				seq, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, data)
				if err == nil && seq <= last {
					err = fmt.Errorf("publisher %d got %d after %d: one publisher's events must number in order", p, seq, last)
				}
				if err != nil {
					errs <- err
					return
				}
				last = seq
				mu.Lock()
				if _, dup := bySeq[seq]; dup {
					err = fmt.Errorf("sequence %d handed out twice", seq)
				}
				bySeq[seq] = data
				mu.Unlock()
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range publishers {
		require.NoError(t, awaittest.Recv(t, errs, "a publisher's end"))
	}
	close(stopWatching)
	require.NoError(t, awaittest.Recv(t, watcher, "the Last watcher's end"))
	require.Equal(t, int64(total), last(t, bus, turn), "Last after every publisher returned")
	require.Len(t, bySeq, total)
	seqs := slices.Sorted(func(yield func(int64) bool) {
		for s := range bySeq {
			if !yield(s) {
				return
			}
		}
	})
	require.Equal(t, seqRange(1, total), seqs, "1..%d with no gap", total)

	want := func(seq int64) []byte { return bySeq[seq] }
	for _, s := range []struct {
		sub   stream.Subscription
		after int64
	}{{early[0], 0}, {early[1], 0}, {subscribe(t, bus, turn, 0), 0}, {subscribe(t, bus, turn, total/2), total / 2}} {
		require.NoError(t, readContiguous(s.sub, turn, s.after, total, want))
	}
	requireNothingMore(t, bus, turn, early...)
}

func testManySubscribers(t *testing.T, bus stream.Bus) {
	const subscribers, events = 24, 40
	turn := newTurn()
	subs := make([]stream.Subscription, subscribers)
	for i := range subs {
		subs[i] = subscribe(t, bus, turn, 0)
	}
	publishTokens(t, bus, turn, events)
	errs := make(chan error, subscribers)
	for _, sub := range subs {
		go func() {
			errs <- readContiguous(sub, turn, 0, events, func(seq int64) []byte { return token(int(seq - 1)) })
		}()
	}
	for range subscribers {
		assert.NoError(t, awaittest.Recv(t, errs, "a subscriber's end"))
	}
	requireNothingMore(t, bus, turn, subs...)
}

// testJoinMidStream is the race the original lost and repeated deltas in (it read the stored text,
// then subscribed, with no sequence to mend the seam): a publisher writes as fast as it can while
// subscribers join at random moments, from the start or from a recent sequence, as a reconnecting
// client does. Every one of them must see one contiguous run ending with the last event.
func testJoinMidStream(t *testing.T, bus stream.Bus) {
	const events, joiners = 300, 24
	turn := newTurn()
	joinAt := make(map[int]bool, joiners)
	for len(joinAt) < joiners {
		joinAt[rand.IntN(events)] = true
	}
	want := func(seq int64) []byte { return token(int(seq)) }

	var wg sync.WaitGroup
	errs := make(chan error, joiners)
	for i := 1; i <= events; i++ {
		seq, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, token(i))
		require.NoError(t, err)
		require.Equal(t, int64(i), seq)
		if !joinAt[i] {
			continue
		}
		// Half resume from a sequence at or just behind the head, half replay from the start, while
		// the publisher goes on without waiting for them.
		after := int64(0)
		if rand.IntN(2) == 0 {
			after = max(seq-int64(rand.IntN(3)), 0)
		}
		wg.Go(func() {
			sub, err := bus.Subscribe(t.Context(), turn, after)
			if err != nil {
				errs <- err
				return
			}
			defer sub.Close()
			errs <- readContiguous(sub, turn, after, events, want)
		})
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	require.NoError(t, errors.Join(all...))
}

// testSlowSubscriber lets events pile up behind a subscriber that does not read (a stalled client)
// and then reads them: a bus that buffers live events must catch up from its store, not drop them.
func testSlowSubscriber(t *testing.T, bus stream.Bus) {
	const events = 300
	turn := newTurn()
	slow := subscribe(t, bus, turn, 0)
	publish(t, bus, turn, 1, chat.EventToken, token(0))
	require.Equal(t, int64(1), next(t, slow).Seq, "the subscription is live before the pile-up")
	for i := 2; i <= events; i++ {
		publish(t, bus, turn, 1, chat.EventToken, token(i-1))
	}
	require.NoError(t, readContiguous(slow, turn, 1, events, func(seq int64) []byte { return token(int(seq - 1)) }))
	requireNothingMore(t, bus, turn, slow)
}
