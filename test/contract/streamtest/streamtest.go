// Package streamtest is the conformance suite of the stream.Bus port: every adapter runs Run, so the
// in-memory bus is trusted for exactly what the PostgreSQL and Redis ones are.
//
// Subtests run in parallel on turns of their own, so one bus (one database, one Redis) may serve
// them all; only the goroutine-leak check runs alone, because it counts goroutines. Nothing sleeps:
// a test waits for an event with a deadline that only a broken bus reaches, and waits for time to
// pass (Expire) by asking the bus until it answers differently.
package streamtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Run checks that the buses newBus returns implement the semantics documented in usecase/stream.
// newBus is called at least once per subtest; it may return the same bus each time, and a harness
// over a shared store should return a new instance on the same store, which makes the tests that
// take two buses check what replicas see of each other. The harness closes what it creates.
func Run(t *testing.T, newBus func(t *testing.T) stream.Bus) {
	// Alone, before the parallel subtests start: it counts goroutines.
	t.Run("SubscriptionsLeaveNoGoroutines", func(t *testing.T) { testNoLeak(t, newBus(t)) })

	tests := []struct {
		name string
		fn   func(t *testing.T, newBus func(t *testing.T) stream.Bus)
	}{
		{"SequenceStartsAtOneAndIncrements", one(testSequence)},
		{"EarlyAndLateSubscribersSeeTheSame", one(testEarlyAndLate)},
		{"ResumeAfterASequence", one(testResume)},
		{"ConcurrentPublishersShareOneSequence", one(testConcurrentPublishers)},
		{"ManySubscribers", one(testManySubscribers)},
		{"JoiningMidStreamLosesAndRepeatsNothing", one(testJoinMidStream)},
		{"SlowSubscriberMissesNothing", one(testSlowSubscriber)},
		{"TurnsAreIsolated", one(testIsolation)},
		{"InstancesShareTurns", testInstances},
		{"CloseEndsTheSubscription", one(testClose)},
		{"CancelEndsTheSubscription", one(testCancel)},
		{"AReaderGivingUpLosesNothing", one(testReaderGivesUp)},
		{"ExpireForgetsTheTurnAfterTTL", one(testExpire)},
		{"DataRoundTripsByteForByte", one(testDataRoundTrip)},
		{"AttemptAndTypeRoundTrip", one(testAttemptAndType)},
		{"InvalidInputIsInvalid", one(testInvalid)},
		{"LastCountsTheTurnsEvents", one(testLastCounts)},
		{"LastIsZeroOnceExpired", one(testLastExpires)},
		{"LastLeavesSubscriptionsAlone", one(testLastLeavesSubscriptions)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newBus)
		})
	}
}

func one(fn func(t *testing.T, bus stream.Bus)) func(*testing.T, func(*testing.T) stream.Bus) {
	return func(t *testing.T, newBus func(*testing.T) stream.Bus) { fn(t, newBus(t)) }
}

// patience bounds every wait for something a working bus does promptly. It is generous because the
// machines running the suite are shared; only a broken bus ever reaches it.
const patience = 20 * time.Second

// newTurn returns a turn id no other test uses.
func newTurn() domain.ID { return domain.NewID(time.Now()) }

func token(i int) []byte { return fmt.Appendf(nil, `{"text":"t%d"}`, i) }

func publish(t *testing.T, bus stream.Bus, turn domain.ID, attempt int, typ chat.EventType, data []byte) int64 {
	t.Helper()
	seq, err := bus.Publish(t.Context(), turn, attempt, typ, data)
	require.NoError(t, err)
	return seq
}

// publishTokens publishes n token events and returns their sequence numbers.
func publishTokens(t *testing.T, bus stream.Bus, turn domain.ID, n int) []int64 {
	t.Helper()
	seqs := make([]int64, n)
	for i := range n {
		seqs[i] = publish(t, bus, turn, 1, chat.EventToken, token(i))
	}
	return seqs
}

func subscribe(t *testing.T, bus stream.Bus, turn domain.ID, after int64) stream.Subscription {
	t.Helper()
	sub, err := bus.Subscribe(t.Context(), turn, after)
	require.NoError(t, err)
	t.Cleanup(sub.Close)
	return sub
}

// next returns the subscription's next event, failing t if it ends or nothing comes.
func next(t *testing.T, sub stream.Subscription) chat.Event {
	t.Helper()
	e, err := receive(sub)
	require.NoError(t, err)
	return e
}

// receive is next for goroutines other than the test's, which must not call t.FailNow.
func receive(sub stream.Subscription) (chat.Event, error) {
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	e, err := sub.Next(ctx)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return chat.Event{}, fmt.Errorf("no event within %s", patience)
	case err != nil:
		return chat.Event{}, fmt.Errorf("the subscription ended early: %w", err)
	}
	return e, nil
}

// collect reads n events.
func collect(t *testing.T, sub stream.Subscription, n int) []chat.Event {
	t.Helper()
	out := make([]chat.Event, 0, n)
	for range n {
		out = append(out, next(t, sub))
	}
	return out
}

// requireEnded reads the subscription until it ends — as ended, stream.ErrEnded, not as failed —
// and returns how many events it still yielded.
func requireEnded(t *testing.T, sub stream.Subscription) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), patience)
	defer cancel()
	for n := 0; ; n++ {
		_, err := sub.Next(ctx)
		if err == nil {
			continue
		}
		require.NotErrorIs(t, err, context.DeadlineExceeded, "the subscription did not end within "+patience.String())
		require.ErrorIs(t, err, stream.ErrEnded, "an ending that is no failure says ErrEnded")
		return n
	}
}

// requireNothingMore proves a subscriber has no stray event queued (a duplicate, or one of another
// turn): it publishes a marker and requires it to be the very next event.
func requireNothingMore(t *testing.T, bus stream.Bus, turn domain.ID, subs ...stream.Subscription) {
	t.Helper()
	seq := publish(t, bus, turn, 1, chat.EventProgress, []byte(`{"marker":true}`))
	for _, sub := range subs {
		e := next(t, sub)
		require.Equal(t, seq, e.Seq, "the event after the expected ones must be the marker, got %s %s", e.Type, e.Data)
	}
}

func seqsOf(events []chat.Event) []int64 {
	out := make([]int64, len(events))
	for i, e := range events {
		out[i] = e.Seq
	}
	return out
}

// seqRange is from, from+1, …, to.
func seqRange(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}

func testSequence(t *testing.T, bus stream.Bus) {
	turn := newTurn()
	assert.Equal(t, seqRange(1, 5), publishTokens(t, bus, turn, 5))
	assert.Equal(t, int64(1), publish(t, bus, newTurn(), 1, chat.EventToken, token(0)), "every turn starts at 1")
}

func testEarlyAndLate(t *testing.T, bus stream.Bus) {
	turn := newTurn()
	early := subscribe(t, bus, turn, 0)
	publishTokens(t, bus, turn, 9)
	publish(t, bus, turn, 1, chat.EventComplete, []byte(`{"message_id":"m","text":"t0t1"}`))
	late := subscribe(t, bus, turn, 0)

	a, b := collect(t, early, 10), collect(t, late, 10)
	assert.Equal(t, seqRange(1, 10), seqsOf(a))
	assert.Equal(t, a, b, "subscribing before or after publishing gives the same events")
	for i, e := range a[:9] {
		assert.Equal(t, chat.Event{TurnID: turn, Seq: int64(i + 1), Attempt: 1, Type: chat.EventToken, Data: token(i)}, e)
	}
	requireNothingMore(t, bus, turn, early, late)
}

func testResume(t *testing.T, bus stream.Bus) {
	turn := newTurn()
	publishTokens(t, bus, turn, 10)
	mid := subscribe(t, bus, turn, 4)
	end := subscribe(t, bus, turn, 10)
	beyond := subscribe(t, bus, turn, 12) // a client ahead of the bus waits for what it has not seen

	got := collect(t, mid, 6)
	assert.Equal(t, seqRange(5, 10), seqsOf(got))
	assert.Equal(t, token(4), got[0].Data)

	seqs := publishTokens(t, bus, turn, 3)
	assert.Equal(t, seqRange(11, 13), seqs)
	assert.Equal(t, seqRange(11, 13), seqsOf(collect(t, mid, 3)))
	assert.Equal(t, seqRange(11, 13), seqsOf(collect(t, end, 3)))
	assert.Equal(t, int64(13), next(t, beyond).Seq)
	requireNothingMore(t, bus, turn, mid, end, beyond)
}

func testIsolation(t *testing.T, bus stream.Bus) {
	a, b := newTurn(), newTurn()
	subA, subB := subscribe(t, bus, a, 0), subscribe(t, bus, b, 0)
	for i := range 3 {
		require.Equal(t, int64(i+1), publish(t, bus, a, 1, chat.EventToken, []byte(`{"turn":"a"}`)))
		require.Equal(t, int64(i+1), publish(t, bus, b, 2, chat.EventToken, []byte(`{"turn":"b"}`)))
	}
	for _, e := range collect(t, subA, 3) {
		assert.Equal(t, a, e.TurnID)
		assert.JSONEq(t, `{"turn":"a"}`, string(e.Data))
	}
	for _, e := range collect(t, subB, 3) {
		assert.Equal(t, b, e.TurnID)
		assert.JSONEq(t, `{"turn":"b"}`, string(e.Data))
	}
	requireNothingMore(t, bus, a, subA)
	requireNothingMore(t, bus, b, subB)
}

// testInstances publishes through one instance and subscribes through another: what replicas of
// the hub do when the worker and the client's SSE request land on different ones.
func testInstances(t *testing.T, newBus func(*testing.T) stream.Bus) {
	one, two := newBus(t), newBus(t)
	turn := newTurn()
	early := subscribe(t, two, turn, 0)
	assert.Equal(t, seqRange(1, 3), publishTokens(t, one, turn, 3))
	assert.Equal(t, seqRange(4, 5), publishTokens(t, two, turn, 2), "the sequence is the turn's, not the instance's")
	assert.Equal(t, int64(5), last(t, one, turn), "Last is the turn's, not the instance's")
	assert.Equal(t, int64(5), last(t, two, turn))
	late := subscribe(t, one, turn, 0)
	want := seqRange(1, 5)
	assert.Equal(t, want, seqsOf(collect(t, early, 5)))
	assert.Equal(t, want, seqsOf(collect(t, late, 5)))
	requireNothingMore(t, one, turn, early, late)
}

func testDataRoundTrip(t *testing.T, bus stream.Bus) {
	largest := []byte(`{"text":"` + string(slices.Repeat([]byte("é"), (stream.MaxData-11)/2)) + `"}`)
	for len(largest) < stream.MaxData {
		largest = slices.Insert(largest, 1, ' ')
	}
	cases := [][]byte{
		[]byte(`{}`),
		[]byte(`{"text":"hello"}`),
		// Whitespace, key order, duplicate keys and number spellings are kept: a store that
		// normalises JSON (jsonb) would change the bytes an SSE client receives.
		[]byte(" {\n\t\"b\" : 1 ,\"a\":[1, 2.50, -0, 1e3, 1E+3]} "),
		[]byte(`{"dup":1,"dup":2}`),
		[]byte(`{"text":"héllo 👋 \u00e9 \"quoted\" \\ back\nslash \u0000 ' ; -- $1 %s"}`),
		[]byte(`{"nested":{"a":[{"b":null,"c":true,"d":false}]},"empty":""}`),
		largest,
	}
	require.Len(t, largest, stream.MaxData)
	turn := newTurn()
	sub := subscribe(t, bus, turn, 0)
	for _, data := range cases {
		publish(t, bus, turn, 1, chat.EventState, data)
	}
	late := subscribe(t, bus, turn, 0)
	for _, s := range []stream.Subscription{sub, late} {
		for i, e := range collect(t, s, len(cases)) {
			assert.Equal(t, string(cases[i]), string(e.Data), "case %d", i)
		}
	}
}

func testAttemptAndType(t *testing.T, bus stream.Bus) {
	types := []chat.EventType{chat.EventProgress, chat.EventToken, chat.EventReset, chat.EventToken,
		chat.EventState, chat.EventImage, chat.EventAudio, chat.EventError, chat.EventComplete}
	turn := newTurn()
	sub := subscribe(t, bus, turn, 0)
	for i, typ := range types {
		publish(t, bus, turn, i, typ, []byte(`{}`))
	}
	for _, s := range []stream.Subscription{sub, subscribe(t, bus, turn, 0)} {
		for i, e := range collect(t, s, len(types)) {
			assert.Equal(t, types[i], e.Type)
			assert.Equal(t, i, e.Attempt)
		}
	}
}

func testInvalid(t *testing.T, bus stream.Bus) {
	ctx, turn := t.Context(), newTurn()
	pub := func(turn domain.ID, attempt int, typ chat.EventType, data string) func() error {
		return func() error { _, err := bus.Publish(ctx, turn, attempt, typ, []byte(data)); return err }
	}
	tooBig := `{"text":"` + strings.Repeat("x", stream.MaxData) + `"}`
	for name, call := range map[string]func() error{
		"data over MaxData":  pub(turn, 1, chat.EventToken, tooBig),
		"data not JSON":      pub(turn, 1, chat.EventToken, `{"a":`),
		"data an array":      pub(turn, 1, chat.EventToken, `[1]`),
		"data empty":         pub(turn, 1, chat.EventToken, ""),
		"data not UTF-8":     pub(turn, 1, chat.EventToken, "{\"a\":\"\xff\"}"),
		"unknown type":       pub(turn, 1, "tokens", `{}`),
		"negative attempt":   pub(turn, -1, chat.EventToken, `{}`),
		"zero turn":          pub(domain.ID{}, 1, chat.EventToken, `{}`),
		"subscribe zero":     func() error { _, err := bus.Subscribe(ctx, domain.ID{}, 0); return err },
		"subscribe before 0": func() error { _, err := bus.Subscribe(ctx, turn, -1); return err },
		"expire zero turn":   func() error { return bus.Expire(ctx, domain.ID{}, time.Minute) },
		"expire negative":    func() error { return bus.Expire(ctx, turn, -time.Second) },
		"last zero turn":     func() error { _, err := bus.Last(ctx, domain.ID{}); return err },
	} {
		err := call()
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), "%s: %v", name, err)
	}
	assert.Equal(t, int64(1), publish(t, bus, turn, 1, chat.EventToken, token(0)), "refused events take no number")
}
