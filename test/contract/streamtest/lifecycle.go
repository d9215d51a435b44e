package streamtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/usecase/stream"
)

func testClose(t *testing.T, bus stream.Bus) {
	turn := newTurn()
	publishTokens(t, bus, turn, 5)
	// Nobody reads: the bus is blocked handing over the first event when Close comes.
	stalled := subscribe(t, bus, turn, 0)
	reading := subscribe(t, bus, turn, 0)
	assert.Equal(t, seqRange(1, 5), seqsOf(collect(t, reading, 5)))

	stalled.Close()
	assert.LessOrEqual(t, requireEnded(t, stalled), 5)
	stalled.Close() // a second Close is harmless

	publish(t, bus, turn, 1, chat.EventToken, token(5))
	assert.Equal(t, int64(6), next(t, reading).Seq, "closing one subscription leaves the others")
	reading.Close()
	assert.Zero(t, requireEnded(t, reading))
}

func testCancel(t *testing.T, bus stream.Bus) {
	turn := newTurn()
	ctx, cancel := context.WithCancel(t.Context())
	idle, err := bus.Subscribe(ctx, turn, 0) // waiting for events that never come
	require.NoError(t, err)
	defer idle.Close()
	publishTokens(t, bus, turn, 3)
	stalled, err := bus.Subscribe(ctx, turn, 0) // blocked handing over an event
	require.NoError(t, err)
	defer stalled.Close()
	assert.Equal(t, seqRange(1, 3), seqsOf(collect(t, idle, 3)))

	cancel()
	assert.Zero(t, requireEnded(t, idle))
	assert.LessOrEqual(t, requireEnded(t, stalled), 3)
}

// testReaderGivesUp: a Next whose context ends (a follower's heartbeat is due, a deadline) returns
// that context's error and leaves the subscription as it was — the events come with later calls,
// none lost or repeated, whether the reader gave up while waiting or with events already there.
func testReaderGivesUp(t *testing.T, bus stream.Bus) {
	turn := newTurn()
	sub := subscribe(t, bus, turn, 0)
	short, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := sub.Next(short)
	require.ErrorIs(t, err, context.DeadlineExceeded, "nothing was published")

	publishTokens(t, bus, turn, 4)
	gone, cancelGone := context.WithCancel(t.Context())
	cancelGone()
	var got []chat.Event
	for range 10 { // an ended context may still be handed an event that is ready: either is right
		if e, err := sub.Next(gone); err == nil {
			got = append(got, e)
		} else {
			require.ErrorIs(t, err, context.Canceled)
		}
	}
	for len(got) < 4 {
		got = append(got, next(t, sub))
	}
	assert.Equal(t, seqRange(1, 4), seqsOf(got))
	requireNothingMore(t, bus, turn, sub)
}

// testNoLeak counts the goroutines running the bus's own code (its package path in their stacks)
// while subscriptions are open and read, and after they end, by Close and by cancellation: every
// one must be gone. Readers waiting in Next count too (a bus that needs no goroutine of its own
// waits in its reader's), which is how the count is shown able to see them. Shared machinery a
// bus starts lazily (a listener) is started before the baseline is taken, by one subscription that
// comes and goes.
func testNoLeak(t *testing.T, bus stream.Bus) {
	pkg := packageOf(bus)
	warm := subscribe(t, bus, newTurn(), 0)
	warm.Close()
	base := goroutinesIn(pkg)

	const n = 6
	turn := newTurn()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first, got := make(chan error, 2*n), make(chan error, 2*n)
	var subs []stream.Subscription
	for i := range 2 * n {
		c := t.Context()
		if i%2 == 0 {
			c = ctx
		}
		sub, err := bus.Subscribe(c, turn, 0)
		require.NoError(t, err)
		subs = append(subs, sub)
		go func() { // reads the one event, then waits in Next until the subscription ends
			e, err := sub.Next(t.Context())
			if err == nil && e.Seq != 1 {
				err = fmt.Errorf("got event %d, want 1", e.Seq)
			}
			first <- err
			if err != nil {
				return
			}
			if _, err = sub.Next(t.Context()); errors.Is(err, stream.ErrEnded) {
				err = nil
			}
			got <- err
		}()
	}
	// The count must see the subscriptions, or the check below could not fail. The margin allows
	// for goroutines in base that were only finishing (the warm-up's, a listener's start).
	awaitCondition(t, func() bool { return goroutinesIn(pkg) >= base+n }, func() string {
		return "each subscription has its reader or a goroutine of " + pkg + " waiting, so counting by package must see them"
	})
	publish(t, bus, turn, 1, chat.EventToken, token(0))
	for range subs {
		require.NoError(t, awaittest.Recv(t, first, "a reader's event"))
	}

	cancel()
	for i, sub := range subs {
		if i%2 == 1 {
			sub.Close()
		}
	}
	for range subs {
		require.NoError(t, awaittest.Recv(t, got, "a reader's end"))
	}
	awaitCondition(t, func() bool { return goroutinesIn(pkg) <= base }, func() string {
		return "goroutines of " + pkg + " still running after every subscription ended:\n" + stacksIn(pkg)
	})
}

// testExpire expires one turn after a short ttl and another after a long one. There is no way to
// ask a bus whether a turn is gone without it answering "not yet" by blocking, so the test asks the
// way a client would notice: it subscribes from the start and publishes a probe; while the old
// events live, the first event is the old first one, and once they are gone it is the probe.
func testExpire(t *testing.T, bus stream.Bus) {
	short, long := newTurn(), newTurn()
	for _, turn := range []domain.ID{short, long} {
		publish(t, bus, turn, 1, chat.EventToken, []byte(`{"old":true}`))
		publish(t, bus, turn, 1, chat.EventComplete, []byte(`{"old":true}`))
	}
	require.NoError(t, bus.Expire(t.Context(), long, time.Hour))
	require.NoError(t, bus.Expire(t.Context(), short, 300*time.Millisecond))
	require.NoError(t, bus.Expire(t.Context(), newTurn(), time.Second), "expiring a turn with no events is harmless")

	probe := []byte(`{"probe":true}`)
	// Subscribing before publishing the probe guarantees a first event: the old ones if they were
	// still there when the subscription read the store, else the probe, which then went to a turn
	// already forgotten. (Publishing first could put the probe among old events that expire before
	// the subscription reads them, leaving it nothing to receive.)
	first := func() chat.Event {
		sub := subscribe(t, bus, short, 0)
		defer sub.Close()
		publish(t, bus, short, 1, chat.EventProgress, probe)
		return next(t, sub)
	}
	awaitCondition(t, func() bool { return bytes.Equal(first().Data, probe) },
		func() string { return "the events of a turn expired after 300ms were still there" })

	sub := subscribe(t, bus, long, 0)
	got := collect(t, sub, 2)
	assert.Equal(t, seqRange(1, 2), seqsOf(got), "a turn expiring in an hour keeps its events")
	assert.Equal(t, chat.EventComplete, got[1].Type)
}

func packageOf(bus stream.Bus) string {
	typ := reflect.TypeOf(bus)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	return typ.PkgPath()
}

// goroutinesIn counts the goroutines with a frame of pkg in their stacks ("created by" included).
func goroutinesIn(pkg string) int {
	n := 0
	for _, g := range stacks() {
		if strings.Contains(g, pkg+".") {
			n++
		}
	}
	return n
}

func stacksIn(pkg string) string {
	var out []string
	for _, g := range stacks() {
		if strings.Contains(g, pkg+".") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

func stacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// awaitCondition polls cond on the test's goroutine until it holds, failing t after patience with
// what describe says (computed only then: it may be costly).
func awaitCondition(t *testing.T, cond func() bool, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			require.Fail(t, "condition not met within "+patience.String(), describe())
		}
		<-tick.C
	}
}
