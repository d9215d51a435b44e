package chattest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/chat"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// A trashed companion's conversation is the owner's to read, not to change: every change answers
// ErrCompanionTrashed (409 companion_trashed), whichever route it comes by. Cancelling a turn is
// no change to it: a reply still being written when its companion is trashed can be stopped.
func TestATrashedCompanionsConversationIsReadOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	sent := w.send(t, "hi")
	w.follow(t, sent.Turn.ID(), 0)
	h := w.history(t)
	reply, question := h[0].Message, h[1].Message

	c := w.companion(t)
	c.Delete(time.Now())
	require.NoError(t, w.env.Store.Companions().Update(ctx, c))

	// Reading: the history, the turn, its events, the alternatives.
	require.Len(t, w.history(t), 2)
	_, err := w.env.App.GetTurn.Handle(ctx, chatuc.GetTurn{OwnerID: w.owner, TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	events := w.follow(t, sent.Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)
	alts, err := w.env.App.Alternatives.Handle(ctx, chatuc.ListAlternatives{OwnerID: w.owner, MessageID: reply.ID})
	require.NoError(t, err)
	require.Len(t, alts, 1)

	// Changing: none of it.
	text := "edited"
	for name, write := range map[string]func() error{
		"send": func() error {
			_, err := w.env.App.Send.Handle(ctx, chatuc.Send{OwnerID: w.owner, CompanionID: w.comp, Text: "still there?"})
			return err
		},
		"regenerate": func() error {
			_, err := w.env.App.Regenerate.Handle(ctx, chatuc.Regenerate{OwnerID: w.owner, MessageID: reply.ID})
			return err
		},
		"edit": func() error {
			_, err := w.env.App.Edit.Handle(ctx, chatuc.EditMessage{OwnerID: w.owner, MessageID: question.ID, Text: &text})
			return err
		},
		"select": func() error {
			_, err := w.env.App.Edit.Handle(ctx, chatuc.EditMessage{OwnerID: w.owner, MessageID: reply.ID, Select: true})
			return err
		},
		"delete": func() error { return deleteMsg(w, reply.ID) },
	} {
		require.ErrorIs(t, write(), chatuc.ErrCompanionTrashed, name)
	}
	after := w.history(t)
	require.Len(t, after, 2, "nothing was sent or deleted")
	require.Equal(t, question.Text, after[1].Message.Text, "nothing was edited")
	ended, err := w.env.App.Cancel.Handle(ctx, chatuc.CancelTurn{OwnerID: w.owner, TurnID: sent.Turn.ID()})
	require.NoError(t, err, "cancelling an ended turn changes nothing, trashed or not")
	require.Equal(t, chat.StatusCompleted, ended.Status())
}

// A turn still running when its companion goes to the trash can be stopped.
func TestATrashedCompanionsRunningTurnCanBeCancelled(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	ctx := context.Background()
	w.model.shut()
	sent := w.send(t, "tell me a long story")
	c := w.companion(t)
	c.Delete(time.Now())
	require.NoError(t, w.env.Store.Companions().Update(ctx, c))

	turn, err := w.env.App.Cancel.Handle(ctx, chatuc.CancelTurn{OwnerID: w.owner, TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	require.True(t, turn.CancelRequested())
	events := w.follow(t, sent.Turn.ID(), 0)
	require.Equal(t, "cancelled", data(t, events[len(events)-1])["code"])
	w.model.open()
}
