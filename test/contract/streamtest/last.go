package streamtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

func last(t *testing.T, bus stream.Bus, turn domain.ID) int64 {
	t.Helper()
	seq, err := bus.Last(t.Context(), turn)
	require.NoError(t, err)
	return seq
}

// testLastCounts: Last follows Publish, turn by turn, and a turn nobody published to — even one
// somebody follows — has none.
func testLastCounts(t *testing.T, bus stream.Bus) {
	assert.Zero(t, last(t, bus, newTurn()), "a turn never published to")

	turn, other := newTurn(), newTurn()
	sub := subscribe(t, bus, turn, 0)
	assert.Zero(t, last(t, bus, turn), "a followed turn without events")
	for i := range 5 {
		seq := publish(t, bus, turn, 1, chat.EventToken, token(i))
		assert.Equal(t, seq, last(t, bus, turn), "after %d publishes", i+1)
	}
	assert.Zero(t, last(t, bus, other), "another turn's events are not counted")
	publish(t, bus, other, 1, chat.EventToken, token(0))
	assert.Equal(t, int64(5), last(t, bus, turn))
	assert.Equal(t, int64(1), last(t, bus, other))
	assert.Equal(t, seqRange(1, 5), seqsOf(collect(t, sub, 5)))
}

// lastWatcher asks Last over and over while publishers run, and reports a value that went down or
// past the number of events published: Last must be a counter, not an estimate.
func lastWatcher(t *testing.T, bus stream.Bus, turn domain.ID, total int64, stop <-chan struct{}) <-chan error {
	out := make(chan error, 1)
	go func() {
		var prev int64
		for {
			select {
			case <-stop:
				out <- nil
				return
			default:
			}
			seq, err := bus.Last(t.Context(), turn)
			switch {
			case err != nil:
			case seq < prev:
				err = fmt.Errorf("Last went from %d down to %d while publishing", prev, seq)
			case seq > total:
				err = fmt.Errorf("Last is %d, past the %d events published", seq, total)
			}
			if err != nil {
				out <- err
				return
			}
			prev = seq
		}
	}()
	return out
}

// testLastExpires: once a turn's ttl has passed its Last is 0 (waited for by asking, as testExpire
// does), a zero ttl forgets it at once, and a turn published to again counts from 1.
func testLastExpires(t *testing.T, bus stream.Bus) {
	short, long, now := newTurn(), newTurn(), newTurn()
	for _, turn := range []domain.ID{short, long, now} {
		publishTokens(t, bus, turn, 2)
	}
	require.NoError(t, bus.Expire(t.Context(), long, time.Hour))
	require.NoError(t, bus.Expire(t.Context(), short, 300*time.Millisecond))
	require.NoError(t, bus.Expire(t.Context(), now, 0))
	assert.Zero(t, last(t, bus, now), "a zero ttl forgets the turn at once")

	awaitCondition(t, func() bool { return last(t, bus, short) == 0 },
		func() string { return "Last of a turn expired after 300ms stayed at 2" })
	assert.Equal(t, int64(2), last(t, bus, long), "a turn expiring in an hour keeps its events")

	assert.Equal(t, int64(1), publish(t, bus, short, 1, chat.EventToken, token(0)), "an expired turn starts again")
	assert.Equal(t, int64(1), last(t, bus, short))
}

// testLastLeavesSubscriptions asks Last of a turn while it has an idle subscriber (waiting for an
// event) and a stalled one (blocked handing one over): both still get every event once, in order.
func testLastLeavesSubscriptions(t *testing.T, bus stream.Bus) {
	turn := newTurn()
	idle := subscribe(t, bus, turn, 0)
	assert.Zero(t, last(t, bus, turn))
	publishTokens(t, bus, turn, 3)
	stalled := subscribe(t, bus, turn, 0)
	for range 3 {
		assert.Equal(t, int64(3), last(t, bus, turn))
	}
	assert.Equal(t, seqRange(1, 3), seqsOf(collect(t, idle, 3)))
	assert.Equal(t, int64(3), last(t, bus, turn))
	publishTokens(t, bus, turn, 2)
	assert.Equal(t, int64(5), last(t, bus, turn))
	assert.Equal(t, seqRange(4, 5), seqsOf(collect(t, idle, 2)))
	assert.Equal(t, seqRange(1, 5), seqsOf(collect(t, stalled, 5)))
	requireNothingMore(t, bus, turn, idle, stalled)
}
