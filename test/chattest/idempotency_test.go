package chattest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/test/clocktest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

func requireKeyReused(t *testing.T, err error, msgAndArgs ...any) {
	t.Helper()
	require.ErrorIs(t, err, chatuc.ErrIdempotencyKeyReused, msgAndArgs...)
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
	require.Equal(t, "idempotency_key_reused", domain.AsError(err).Reason)
}

// A key answers the request that used it, and only that one: another text, other options or
// another companion under the same key are refused, not answered with the first turn.
func TestAKeyAnswersOnlyTheRequestThatUsedIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.Images = chattest.SmallPictures() })
	ctx := context.Background()
	send := func(companionID domain.ID, text string, o chat.Options) (chatuc.Sent, error) {
		return w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: companionID, Text: text, Options: o,
			IdempotencyKey: "key-1"})
	}
	first, err := send(w.comp, "hello", chat.Options{})
	require.NoError(t, err)
	require.False(t, first.Replayed)
	w.follow(t, first.Turn.ID(), 0)

	again, err := send(w.comp, "  hello ", chat.Options{})
	require.NoError(t, err, "the same message (as it is stored) is the same request")
	require.True(t, again.Replayed)
	require.Equal(t, first.Turn.ID(), again.Turn.ID())
	require.Equal(t, first.Message.ID, again.Message.ID)

	_, err = send(w.comp, "goodbye", chat.Options{})
	requireKeyReused(t, err, "another text")
	_, err = send(w.comp, "hello", chat.Options{Image: true})
	requireKeyReused(t, err, "other options")
	_, other := chattest.NewCompanion(t, w.db, companion.ProfileSpec{})
	_, err = send(other, "hello", chat.Options{})
	requireKeyReused(t, err, "another companion")
	_, err = w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: first.Message.ID,
		IdempotencyKey: "key-1"})
	requireKeyReused(t, err, "a key that sent cannot regenerate")
	require.Len(t, w.history(t), 2, "one message, one reply: nothing else was sent")
}

// A key answers for its request for IdempotencyKeyTTL; after that, the same key starts a new turn.
func TestAKeyExpiresAfterADay(t *testing.T) {
	t.Parallel()
	clock := clocktest.New(time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC))
	w := newWorld(t, func(o *chattest.Options) { o.Clock = clock })
	ctx := context.Background()
	send := func(text string) chatuc.Sent {
		t.Helper()
		sent, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: text,
			IdempotencyKey: "daily"})
		require.NoError(t, err)
		return sent
	}
	first := send("good morning")
	w.follow(t, first.Turn.ID(), 0)

	clock.Advance(chatuc.IdempotencyKeyTTL - time.Second)
	retry := send("good morning")
	require.True(t, retry.Replayed, "within the day, a retry")
	require.Equal(t, first.Turn.ID(), retry.Turn.ID())
	_, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "good evening",
		IdempotencyKey: "daily"})
	requireKeyReused(t, err)

	clock.Advance(time.Second)
	next := send("good morning")
	require.False(t, next.Replayed, "a day later the key is free: a new turn")
	require.NotEqual(t, first.Turn.ID(), next.Turn.ID())
	w.follow(t, next.Turn.ID(), 0)
	again := send("good morning")
	require.True(t, again.Replayed, "and the key answers for the new turn")
	require.Equal(t, next.Turn.ID(), again.Turn.ID())
	require.Len(t, w.history(t), 4)

	_, err = w.env.Store.Turns().Load(ctx, first.Turn.ID())
	require.NoError(t, err, "the old turn is kept; only its key was released")
}

// Regenerating with a key is safe to retry: a retry (even while the first is still being written,
// which used to answer 409) gets the same turn, and no second alternative is written.
func TestRegenerateHonoursTheKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	sent := w.send(t, "hi")
	w.follow(t, sent.Turn.ID(), 0)
	regen := func(id domain.ID, o chat.Options) (chatuc.Regenerated, error) {
		return w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: id, Options: o,
			IdempotencyKey: "again-1"})
	}

	w.model.shut()
	first, err := regen(sent.Message.ID, chat.Options{})
	require.NoError(t, err)
	require.False(t, first.Replayed)
	retry, err := regen(sent.Message.ID, chat.Options{})
	require.NoError(t, err, "a retry while the first runs")
	require.True(t, retry.Replayed)
	require.Equal(t, first.Turn.ID(), retry.Turn.ID())
	w.model.open()
	w.follow(t, first.Turn.ID(), 0)

	retry, err = regen(sent.Message.ID, chat.Options{})
	require.NoError(t, err, "a retry after it ended")
	require.True(t, retry.Replayed)
	require.Equal(t, first.Turn.ID(), retry.Turn.ID())
	h := w.history(t)
	require.Equal(t, 2, h[0].Alternatives, "one regeneration, one more alternative")

	_, err = regen(sent.Message.ID, chat.Options{DeepThink: true})
	requireKeyReused(t, err, "other options")
	_, err = regen(h[0].Message.ID, chat.Options{})
	requireKeyReused(t, err, "another message")
	_, err = w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "hi", IdempotencyKey: "again-1"})
	requireKeyReused(t, err, "a key that regenerated cannot send")
	require.Equal(t, 2, w.history(t)[0].Alternatives)
}

// A regeneration the runner could not take fails, and leaves its key free: retrying it with the same
// key regenerates afresh instead of answering with the failure.
func TestARegenerationThatCouldNotStartLeavesItsKeyFree(t *testing.T) {
	t.Parallel()
	// One turn runs and one waits; a third cannot start.
	w := newWorld(t, func(o *chattest.Options) { o.Runner = local.Config{Workers: 1, Queue: 1} })
	ctx := context.Background()
	sent := w.send(t, "hi")
	w.follow(t, sent.Turn.ID(), 0)

	w.model.shut()
	others, turns := make([]*world, 2), make([]domain.ID, 2)
	for i := range others {
		// Other people's companions, on the same chat.
		owner, comp := chattest.NewCompanion(t, w.db, companion.ProfileSpec{})
		others[i] = &world{db: w.db, env: w.env, model: w.model, owner: owner, comp: comp}
		turns[i] = others[i].send(t, "hello").Turn.ID()
	}
	regen := func() (chatuc.Regenerated, error) {
		return w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: sent.Message.ID,
			IdempotencyKey: "busy-1"})
	}
	_, err := regen()
	require.Equal(t, domain.KindUnavailable, domain.KindOf(err), "the runner is full: %v", err)

	w.model.open()
	for i, o := range others {
		o.follow(t, turns[i], 0)
	}
	again, err := regen()
	require.NoError(t, err)
	require.False(t, again.Replayed, "the failed regeneration does not answer for the key")
	events := w.follow(t, again.Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)
	require.Equal(t, 2, w.history(t)[0].Alternatives, "the retry wrote the one new alternative")
}
