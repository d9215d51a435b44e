package memory_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/contract/streamtest"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/stream"
)

func TestStreamBusMemory(t *testing.T) {
	bus := memory.NewStreamBus(usecase.SystemClock{})
	t.Cleanup(func() { _ = bus.Close() })
	// One process, one bus: the "instances" a test asks for are the same one.
	streamtest.Run(t, func(*testing.T) stream.Bus { return bus })
}

// With the clock in hand, expiry happens exactly at the ttl and the default retention applies to a
// turn nobody expired.
func TestStreamBusMemoryExpiresOnTheClock(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	bus := memory.NewStreamBus(clock)
	t.Cleanup(func() { _ = bus.Close() })
	expired, forgotten := domain.NewID(clock.Now()), domain.NewID(clock.Now())
	for _, turn := range []domain.ID{expired, forgotten} {
		_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{"text":"a"}`))
		require.NoError(t, err)
	}
	require.NoError(t, bus.Expire(t.Context(), expired, time.Minute))

	seq := func(turn domain.ID) int64 {
		s, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{"text":"b"}`))
		require.NoError(t, err)
		return s
	}
	last := func(turn domain.ID) int64 {
		s, err := bus.Last(t.Context(), turn)
		require.NoError(t, err)
		return s
	}
	clock.Advance(time.Minute - time.Nanosecond)
	assert.Equal(t, int64(1), last(expired), "Last: alive until the ttl has passed")
	assert.Equal(t, int64(2), seq(expired), "alive until the ttl has passed")
	clock.Advance(time.Nanosecond)
	assert.Zero(t, last(expired), "Last: forgotten at the ttl")
	assert.Equal(t, int64(1), seq(expired), "forgotten at the ttl: the turn starts again")

	clock.Advance(stream.DefaultRetention - time.Minute - time.Nanosecond)
	assert.Equal(t, int64(2), seq(forgotten))
	clock.Advance(time.Nanosecond)
	assert.Equal(t, int64(1), seq(forgotten), "a turn never expired is forgotten after the default retention")
}

// The cap refuses events past it and keeps the ones before, which subscribers still receive.
func TestStreamBusMemoryCapsATurn(t *testing.T) {
	t.Parallel()
	bus := memory.NewStreamBus(usecase.SystemClock{})
	t.Cleanup(func() { _ = bus.Close() })
	turn := domain.NewID(time.Now())
	for i := range memory.MaxTurnEvents {
		_, err := bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
		require.NoError(t, err, "event %d", i+1)
	}
	_, err := bus.Publish(t.Context(), turn, 1, chat.EventComplete, []byte(`{}`))
	require.ErrorIs(t, err, stream.ErrTurnFull)
	assert.Equal(t, domain.KindInvalid, domain.KindOf(err))

	sub, err := bus.Subscribe(t.Context(), turn, memory.MaxTurnEvents-1)
	require.NoError(t, err)
	defer sub.Close()
	e := awaittest.Next(t, sub, "the last event")
	assert.Equal(t, int64(memory.MaxTurnEvents), e.Seq)

	big := []byte(`{"text":"` + strings.Repeat("x", stream.MaxData-len(`{"text":""}`)) + `"}`)
	other := domain.NewID(time.Now())
	n := 0
	for ; ; n++ {
		if _, err = bus.Publish(t.Context(), other, 1, chat.EventToken, big); err != nil {
			break
		}
	}
	require.ErrorIs(t, err, stream.ErrTurnFull)
	assert.Equal(t, memory.MaxTurnBytes/stream.MaxData, n, "the byte cap holds whole events")
}

// A closed bus ends its subscriptions and refuses new work.
func TestStreamBusMemoryClose(t *testing.T) {
	t.Parallel()
	bus := memory.NewStreamBus(usecase.SystemClock{})
	turn := domain.NewID(time.Now())
	sub, err := bus.Subscribe(t.Context(), turn, 0)
	require.NoError(t, err)
	require.NoError(t, bus.Close())
	_, err = sub.Next(t.Context())
	assert.ErrorIs(t, err, stream.ErrEnded, "a closed bus ends its subscriptions")

	_, err = bus.Publish(t.Context(), turn, 1, chat.EventToken, []byte(`{}`))
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	_, err = bus.Subscribe(t.Context(), turn, 0)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	_, err = bus.Last(t.Context(), turn)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err))
	require.NoError(t, bus.Close(), "a second Close is harmless")
}

func BenchmarkStreamBusMemory(b *testing.B) {
	bus := memory.NewStreamBus(usecase.SystemClock{})
	b.Cleanup(func() { _ = bus.Close() })
	b.Run("publish", func(b *testing.B) { streamtest.BenchmarkPublish(b, bus) })
	b.Run("publish-parallel", func(b *testing.B) { streamtest.BenchmarkPublishParallel(b, bus) })
	b.Run("deliver", func(b *testing.B) { streamtest.BenchmarkDeliver(b, bus) })
}
