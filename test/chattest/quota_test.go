package chattest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// A used-up picture quota leaves the next reply's picture out, saying why at once (no retries
// waiting for midnight), and the reply is kept; a used-up token quota refuses the next message
// before anything is stored.
func TestQuotasHoldBetweenTurns(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) {
		o.Images = chattest.SmallPictures()
		o.DailyPictures = 1
	})
	ctx := context.Background()
	picture := func() (map[string]any, chat.Event) {
		sent, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "a picture?",
			Options: chat.Options{Image: true}})
		require.NoError(t, err)
		events := w.follow(t, sent.Turn.ID(), 0)
		return eventOf(t, events, chat.EventImage), events[len(events)-1]
	}
	img, last := picture()
	require.Empty(t, img["error"], "the day's one picture")
	require.Equal(t, chat.EventComplete, last.Type)
	img, last = picture()
	require.Equal(t, chat.EventComplete, last.Type, "the reply is kept")
	require.Equal(t, usecase.ReasonQuotaExceeded, img["code"], "the picture is refused: %v", img)
	require.Contains(t, img["error"], "daily pictures quota")

	spender := newWorld(t, func(o *chattest.Options) { o.DailyTokens = 1 })
	spender.follow(t, spender.send(t, "hello").Turn.ID(), 0) // the first message of the day fits
	before, err := spender.env.Store.Messages().Latest(ctx, spender.comp)
	require.NoError(t, err)
	_, err = spender.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: spender.owner, CompanionID: spender.comp, Text: "and again"})
	require.True(t, usecase.IsQuotaExceeded(err), "%v", err)
	after, err := spender.env.Store.Messages().Latest(ctx, spender.comp)
	require.NoError(t, err)
	require.Equal(t, before.ID, after.ID, "nothing was stored")
}
