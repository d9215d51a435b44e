package chattest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/chat"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/llm"
)

// TestCompanionWritesFirst: a hidden instruction gets a reply that appears in the conversation as
// written first — the instruction itself is never shown — and the same key starts no second turn.
func TestCompanionWritesFirst(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	w.model.replies = []reply{{pieces: []string{"Good morning, Alex! The café smells of fresh bread."}}}
	in := chatuc.WriteFirst{OwnerID: w.owner, CompanionID: w.comp, Instruction: "Send a warm good-morning greeting.", Key: "schedule:s1:2026-12-06T08:00Z"}
	sent, err := w.env.App.WriteFirst.Handle(context.Background(), in)
	require.NoError(t, err)
	require.True(t, sent.Message.Hidden)
	events := w.follow(t, sent.Turn.ID(), 0)
	require.Equal(t, chat.EventComplete, events[len(events)-1].Type)

	h := w.history(t)
	require.Len(t, h, 1, "only the companion's message is shown")
	require.Equal(t, chat.RoleAssistant, h[0].Message.Role)
	require.Equal(t, "Good morning, Alex! The café smells of fresh bread.", h[0].Message.Text)

	msgs := w.model.streamed()[0].Messages
	last := msgs[len(msgs)-1]
	require.Equal(t, llm.User, last.Role)
	require.True(t, strings.Contains(last.Content, "Send a warm good-morning greeting.") && strings.Contains(last.Content, "first"),
		"the model reads the instruction as a note, not as the person's words: %q", last.Content)

	again, err := w.env.App.WriteFirst.Handle(context.Background(), in)
	require.NoError(t, err)
	require.True(t, again.Replayed, "a retried firing of the same occurrence")
	require.Equal(t, sent.Turn.ID(), again.Turn.ID())

	_, err = w.env.App.WriteFirst.Handle(context.Background(), chatuc.WriteFirst{OwnerID: w.owner, CompanionID: w.comp, Instruction: "  "})
	require.Error(t, err)
}
