package memory

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/clocktest"
)

// Expired turns are dropped as new ones arrive, so the number of logs follows the live turns; a log
// with a subscriber stays (emptied) however long ago it expired.
func TestStreamBusDropsExpiredTurns(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	bus := NewStreamBus(clock)
	t.Cleanup(func() { _ = bus.Close() })
	publish := func(turn domain.ID) {
		_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
		require.NoError(t, err)
	}
	watched := domain.NewID(clock.Now())
	publish(watched)
	sub, err := bus.Subscribe(t.Context(), watched, 1)
	require.NoError(t, err)
	defer sub.Close()
	require.NoError(t, bus.Expire(t.Context(), watched, 0))

	const turns = 20 * streamShards * minTurnSweep
	for range turns {
		turn := domain.NewID(clock.Now())
		publish(turn)
		require.NoError(t, bus.Expire(t.Context(), turn, time.Second))
		clock.Advance(time.Millisecond) // about a thousand turns alive at any time
	}
	assert.Less(t, bus.turns(), 4*(1000+streamShards*minTurnSweep), "held %d logs for %d turns", bus.turns(), turns)

	publish(watched)
	publish(watched)
	e := awaittest.Next(t, sub, "the event after the expiry")
	assert.Equal(t, int64(2), e.Seq, "the subscriber of an expired turn waits on the same log, past what it saw")
}

// Last of turns the bus does not hold, as a follower of an old turn asks after a restart, creates no
// log for them.
func TestStreamBusLastHoldsNothing(t *testing.T) {
	t.Parallel()
	bus := NewStreamBus(clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	t.Cleanup(func() { _ = bus.Close() })
	for range 10 * streamShards {
		seq, err := bus.Last(t.Context(), domain.NewID(time.Now()))
		require.NoError(t, err)
		require.Zero(t, seq)
	}
	assert.Zero(t, bus.turns())
}
