package chattest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/chattest"
	"github.com/companionhub/companionhub/test/sqlitetest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/llm"
)

// summarising is the scripted model that answers the running summary's calls with a numbered
// summary, and keeps what each of them was asked to fold in.
type summarising struct {
	*scripted
	mu    sync.Mutex
	asked []string
}

func (m *summarising) Complete(ctx context.Context, req llm.Request) (string, llm.Usage, error) {
	if !req.JSON && len(req.Messages) == 2 && strings.Contains(req.Messages[0].Content, "running summary") {
		m.mu.Lock()
		defer m.mu.Unlock()
		m.asked = append(m.asked, req.Messages[1].Content)
		return fmt.Sprintf("Alex told of the lighthouse (summary %d).", len(m.asked)), llm.Usage{}, nil
	}
	return m.scripted.Complete(ctx, req)
}

func (m *summarising) calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.asked)
}

// A conversation longer than the history window is not lost: what left it is summarised after
// replies, and the summary goes into the next reply's prompt ahead of the history that fits. An
// edit of a message it tells of takes it out of prompts until the next summary replaces it.
func TestALongConversationKeepsItsBeginningInASummary(t *testing.T) {
	t.Parallel()
	db := sqlitetest.Open(t)
	m := &summarising{scripted: newScripted()}
	env := chattest.New(t, db, chattest.Options{Model: m, HistoryTokens: 200})
	owner, comp := chattest.NewCompanion(t, db, companion.ProfileSpec{})
	w := &world{db: db, env: env, model: m.scripted, owner: owner, comp: comp}
	store := sqlstore.SummaryStore(db)

	first := w.send(t, "The lighthouse on the cape is where my grandfather worked, message 0")
	w.follow(t, first.Turn.ID(), 0)
	for i := 1; m.calls() == 0; i++ {
		require.Less(t, i, 40, "a conversation this long has left the window")
		require.NotContains(t, w.lastPrompt(t), "EARLIER IN YOUR CONVERSATION", "no summary before there is one")
		sent := w.send(t, fmt.Sprintf("Tell me more about your day, message %d", i))
		w.follow(t, sent.Turn.ID(), 0)
	}
	require.Contains(t, m.asked[0], "The lighthouse on the cape", "the oldest messages were summarised")
	s, ok, err := store.Get(context.Background(), owner, comp)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "Alex told of the lighthouse (summary 1).", s.Text)
	require.GreaterOrEqual(t, s.Messages, 8)

	sent := w.send(t, "Do you remember where my grandfather worked?")
	w.follow(t, sent.Turn.ID(), 0)
	prompt := w.lastPrompt(t)
	require.Contains(t, prompt, "EARLIER IN YOUR CONVERSATION")
	require.Contains(t, prompt, s.Text)
	for _, msg := range w.model.streamed()[len(w.model.streamed())-1].Messages[1:] {
		require.NotContains(t, msg.Content, "The lighthouse on the cape", "the first message itself left the window")
	}

	// An edit of the first message makes the summary stale: out of the prompt at once.
	edited := "The mill by the river is where my grandfather worked, message 0"
	_, err = w.env.App.Edit.Handle(context.Background(), chatuc.EditMessage{OwnerID: owner, MessageID: first.Message.ID, Text: &edited})
	require.NoError(t, err)
	s, _, err = store.Get(context.Background(), owner, comp)
	require.NoError(t, err)
	require.True(t, s.Stale)
	calls := m.calls()
	sent = w.send(t, "And now?")
	w.follow(t, sent.Turn.ID(), 0)
	require.NotContains(t, w.lastPrompt(t), "EARLIER IN YOUR CONVERSATION", "a stale summary is in no prompt")
	// The same turn's summary step made it again, from the edited conversation.
	require.Equal(t, calls+1, m.calls())
	require.NotContains(t, m.asked[calls], "SUMMARY SO FAR", "it starts over")
	s, _, err = store.Get(context.Background(), owner, comp)
	require.NoError(t, err)
	require.False(t, s.Stale)
	require.Equal(t, fmt.Sprintf("Alex told of the lighthouse (summary %d).", calls+1), s.Text)
}
