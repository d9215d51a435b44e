package chattest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/tones"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/usage"
)

// A used-up picture quota refuses a message that asks for a picture before anything is stored;
// a used-up token quota refuses any message.
func TestQuotasHoldBetweenTurns(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) {
		o.Images = chattest.SmallPictures()
		o.DailyPictures = 1
	})
	ctx := context.Background()
	sent, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "a picture?",
		Options: chat.Options{Image: true}})
	require.NoError(t, err)
	events := w.follow(t, sent.Turn.ID(), 0)
	require.Empty(t, eventOf(t, events, chat.EventImage)["error"], "the day's one picture")
	_, err = w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "another?",
		Options: chat.Options{Image: true}})
	require.True(t, usecase.IsQuotaExceeded(err), "%v", err)
	w.follow(t, w.send(t, "just talk then").Turn.ID(), 0) // without a picture it goes

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

// A used-up speech quota leaves the next reply unspoken, saying why at once (no retry waits for
// midnight), and the reply is kept.
func TestAUsedUpSpeechQuotaLeavesTheReplyUnspoken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) {
		o.Speech = tones.New()
		o.DailySpeech = 1
	})
	owner, voiced := chattest.NewCompanion(t, w.db, companion.ProfileSpec{Name: "Ines", Age: 29,
		Voice: companion.Voice{Enabled: true, VoiceID: "alto"}})
	speak := func() (map[string]any, chat.Event) {
		sent, err := w.env.App.Send.Handle(context.Background(), chatuc.Send{OwnerID: owner, CompanionID: voiced,
			Text: "say something", Options: chat.Options{Voice: true}})
		require.NoError(t, err)
		events := w.followAs(t, owner, sent.Turn.ID())
		return eventOf(t, events, chat.EventAudio), events[len(events)-1]
	}
	audio, last := speak()
	require.Empty(t, audio["error"], "spoken: the quota was not used up before")
	require.Equal(t, chat.EventComplete, last.Type)
	audio, last = speak()
	require.Equal(t, chat.EventComplete, last.Type, "the reply is kept")
	require.Equal(t, usecase.ReasonQuotaExceeded, audio["code"], "%v", audio)
	require.Contains(t, audio["error"], "daily speech quota")
}

// What a turn's steps make the providers do — the reply, the scene analysis, what is learnt, a
// regeneration — is counted for the turn's person and companion, on the runner's goroutines.
func TestATurnsProviderCallsAreCountedForItsPersonAndCompanion(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.Images = chattest.SmallPictures() })
	ctx := context.Background()
	sent, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "My sister is called Ana.",
		Options: chat.Options{Image: true}})
	require.NoError(t, err)
	events := w.follow(t, sent.Turn.ID(), 0)
	reply := eventOf(t, events, chat.EventImage)["message_id"].(string)
	replyID, err := domain.ParseID(reply)
	require.NoError(t, err)
	regen, err := w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: replyID})
	require.NoError(t, err)
	w.follow(t, regen.Turn.ID(), 0)

	r, err := w.env.Usage.All.Handle(ctx, usage.All{})
	require.NoError(t, err)
	kinds := map[usage.Kind]int64{}
	for _, l := range r.Lines {
		require.Equal(t, w.owner.String(), l.UserID, "%+v", l)
		require.Equal(t, w.comp.String(), l.CompanionID, "%+v", l)
		kinds[l.Kind] += l.Amount
	}
	require.Equal(t, int64(1), kinds[usage.Pictures])
	require.Positive(t, kinds[usage.PromptTokens])
	require.Positive(t, kinds[usage.CompletionTokens])
	w.model.mu.Lock()
	calls := len(w.model.requests)
	w.model.mu.Unlock()
	require.GreaterOrEqual(t, calls, 4, "two replies and two analyses at least, each counted")
}
