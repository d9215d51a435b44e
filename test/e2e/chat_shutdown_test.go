package e2e

import (
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestChatShutdownMidTurn: SIGTERM while a reply is being written. The hub lets the turn finish for
// its grace period, then records it as interrupted, and exits cleanly; after a restart on the same
// data the turn is over either way — never stuck "running" — and a client resuming its stream hears
// how it ended.
func TestChatShutdownMidTurn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		tps   string // pace of the offline model: how long the reply takes
		grace time.Duration
		// want is the turn's outcome: completed when the reply fits in the grace period, else
		// failed as interrupted.
		want, code string
	}{
		{name: "finishes within the grace", tps: "10", grace: 20 * time.Second, want: "completed"},
		{name: "interrupted after the grace", tps: "1", grace: time.Second, want: "failed", code: "interrupted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := startHub(t, map[string]string{
				"COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND": tc.tps,
				"COMPANIONHUB_TURN_SHUTDOWN_GRACE":       tc.grace.String(),
			})
			c := newChatter(t, h, "")
			sent := c.send(t, "Tell me about the stars.")
			s := c.follow(t, sent.Turn.ID, 0)
			seen := s.untilTokens(1) // the reply is being written

			began := time.Now()
			h.stop() // SIGTERM; fails the test unless the hub exits 0
			took := time.Since(began)
			t.Logf("the hub stopped %s after SIGTERM", took.Round(time.Millisecond))
			if tc.code == "interrupted" {
				// The reply alone needs well over ten more seconds: the hub waited for the grace, not for it.
				require.Less(t, took, tc.grace+10*time.Second, "shutdown waits at most about the grace period")
			}
			for {
				ev, err := s.next()
				if err != nil {
					require.True(t, errors.Is(err, io.EOF), "the stream ends cleanly at shutdown: %v", err)
					break
				}
				seen = append(seen, ev)
			}
			requireSequence(t, seen)

			// Restart on the same data: the session and the turn are still there.
			h2 := startHub(t, map[string]string{"COMPANIONHUB_DATA_DIR": filepath.Join(h.cmd.Dir, "data")})
			c2 := &chatter{client: h2.client(t), token: c.token, companion: c.companion}
			c2.bearer = c.token
			turn := c2.turn(t, sent.Turn.ID)
			require.Equal(t, tc.want, turn.Status, "the turn is over: %+v", turn)
			msgs := c2.history(t)
			if tc.want == "completed" {
				require.Equal(t, []string{"assistant", "user"}, roles(msgs))
				require.Equal(t, turn.ReplyID, msgs[0].ID)
			} else {
				require.NotNil(t, turn.Error)
				require.Equal(t, tc.code, turn.Error.Code)
				require.Equal(t, []string{"user"}, roles(msgs), "no half-written reply")
			}

			// A client that lost its stream at shutdown reconnects and hears how the turn ended.
			last := seen[len(seen)-1]
			var resumed []sseEvent
			if !last.terminal() {
				// A healthy hub answers at once; ten seconds is only how long this test waits to say it does not.
				r := c2.followWithin(t, sent.Turn.ID, last.ID, 10*time.Second)
				for {
					ev, err := r.next()
					require.NoError(t, err, "resuming the stream of turn %s (status %s) after event %d never hears how it ended",
						sent.Turn.ID, turn.Status, last.ID)
					resumed = append(resumed, ev)
					if ev.terminal() {
						break
					}
				}
			}
			all := append(seen, resumed...)
			requireSequence(t, all)
			end := all[len(all)-1]
			if tc.want == "completed" {
				done := completed(t, all)
				require.Equal(t, turn.ReplyID, done.MessageID)
				require.Equal(t, msgs[0].Text, done.Text)
			} else {
				require.Equal(t, "error", end.Type)
				require.Equal(t, tc.code, failed(t, all).Code)
			}
		})
	}
}
