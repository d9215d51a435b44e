package chattest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Nothing but the model stands between the person and the first word (SPEC §3.3): the scene
// analysis — a whole non-streamed model call, seconds on a real model — reads the exchange after
// the reply. Here it cannot answer until the first word has reached the follower; the reply still
// streams, and the saved reply carries the scene the analysis found.
func TestTheFirstWordDoesNotWaitForTheSceneAnalysis(t *testing.T) {
	t.Parallel()
	w := newWorld(t, nil)
	analysis := make(chan struct{})
	w.model.mu.Lock()
	w.model.jsonGate = analysis
	w.model.analyses = []string{`{"outfit":"swimsuit","location":"beach","action_summary":"waving","mood":"excited","is_user_present":true}`}
	w.model.mu.Unlock()

	sent := w.send(t, "Let's go to the beach!")
	// Bounded: on a pipeline that analyses first, the reply never starts.
	ctx, cancel := context.WithTimeout(context.Background(), awaittest.Patience)
	defer cancel()
	sub, err := w.env.App.Follow.Handle(ctx, chatuc.Follow{OwnerID: w.owner, TurnID: sent.Turn.ID()})
	require.NoError(t, err)
	defer sub.Close()
	var statuses []any
	var last chat.Event
	sawToken := false
	for e, err := range stream.Events(ctx, sub) {
		require.NoError(t, err)
		last = e
		switch e.Type {
		case chat.EventProgress:
			statuses = append(statuses, data(t, e)["status"])
		case chat.EventToken:
			if !sawToken {
				sawToken = true
				close(analysis) // only now may the analysis answer
			}
		}
		if e.Type.Terminal() {
			break
		}
	}
	require.True(t, sawToken, "the reply streamed while the analysis could not answer")
	require.Equal(t, chat.EventComplete, last.Type)
	require.Equal(t, []any{"recalling", "responding", "analyzing"}, statuses,
		"no analysis before the reply (it runs after, over the exchange): only the recall of memories, within its budget")

	scene := w.companion(t).Scene()
	require.Equal(t, "beach", scene.Location)
	require.Equal(t, []string{"swimsuit"}, scene.Outfit)
	require.True(t, scene.UserPresent, "the analysis put the person there")
	reply := w.history(t)[0].Message
	require.NotNil(t, reply.Scene)
	require.Equal(t, "beach", reply.Scene.Location, "the saved reply carries the scene the analysis found")
}
