package chattest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/chattest"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// A follower that saw events of a running turn on an in-memory bus that was lost with its process
// resumes on the restarted process with ids above the ones it has: the restarted bus numbers from
// 1, and an id the client already saw would be taken for a duplicate (or make it resume from the
// wrong place). Exact resume across restarts needs the PostgreSQL or Redis bus.
func TestAFollowerOfARunningTurnAfterARestartHearsNoIdItSaw(t *testing.T) {
	t.Parallel()
	w := newWorld(t, func(o *chattest.Options) { o.NoReap = true })
	ctx := context.Background()
	turn := w.runningTurn(t, "hm?")
	now := turn.CreatedAt()

	// The follower saw 7 events on the bus of a process that then restarted.
	const seen = 7
	restarted := chattest.New(t, w.db, chattest.Options{NoReap: true, FollowCheck: 20 * time.Millisecond})
	sub, err := restarted.App.Follow.Handle(ctx, chatuc.Follow{OwnerID: w.owner, TurnID: turn.ID(), After: seen})
	require.NoError(t, err)
	defer sub.Close()

	_, err = restarted.Bus.Publish(ctx, turn.ID(), 0, chat.EventProgress, []byte(`{"status":"responding","progress":60}`))
	require.NoError(t, err)
	e := awaittest.Next(t, sub, "the progress published after the restart")
	require.Equal(t, chat.EventProgress, e.Type)
	require.Equal(t, int64(seen+1), e.Seq, "numbered after what the follower saw")

	// The turn ends without its terminal event reaching the bus: the recorded outcome follows.
	require.NoError(t, turn.Fail(chat.Failure{Code: "interrupted", Message: "the hub restarted while writing the reply; regenerate it"}, now))
	require.NoError(t, w.env.Store.Turns().Update(ctx, turn))
	e = awaittest.Next(t, sub, "the recorded outcome")
	require.Equal(t, chat.EventError, e.Type)
	require.Equal(t, int64(seen+2), e.Seq)
	awaittest.Ended(t, sub, "the stream")

	// Reconnecting with the last id it got, it resumes there.
	after, err := restarted.App.Follow.Handle(ctx, chatuc.Follow{OwnerID: w.owner, TurnID: turn.ID(), After: seen + 1})
	require.NoError(t, err)
	defer after.Close()
	e = awaittest.Next(t, after, "the outcome, on reconnecting")
	require.Equal(t, chat.EventError, e.Type)
	require.Greater(t, e.Seq, int64(seen+1))
}
