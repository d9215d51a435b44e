package e2e

import (
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAFollowerOnAnotherReplicaResumesMidStream: two `serve` processes share a database and a
// stream bus. The turn runs on the replica that took the message; a client follows it from the
// other one, loses its connection mid-reply, and resumes with Last-Event-ID on the first: it gets
// exactly the events it missed, and the reply saved is the one streamed.
func TestAFollowerOnAnotherReplicaResumesMidStream(t *testing.T) {
	t.Parallel()
	for _, p := range sharedBusProfiles() {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			env := with(p.env(t), "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "40")
			a, b := startHub(t, env), startHub(t, env)
			c := newChatter(t, a, "")
			sent := c.send(t, "Tell me about the stars.")

			onB := &chatter{client: b.client(t), token: c.token, companion: c.companion}
			onB.bearer = c.token
			s := onB.follow(t, sent.Turn.ID, 0)
			seen := s.untilTokens(2) // mid-reply, from the replica that does not run the turn
			s.close()

			rest := c.follow(t, sent.Turn.ID, seen[len(seen)-1].ID).rest()
			all := append(seen, rest...)
			requireSequence(t, all)
			done := completed(t, all)
			require.Equal(t, done.Text, replyText(t, all), "nothing lost or repeated across replicas")
			msgs := onB.history(t)
			require.Equal(t, []string{"assistant", "user"}, roles(msgs))
			require.Equal(t, done.Text, msgs[0].Text)
		})
	}
}

// TestServeKilledMidTurnIsFinishedByTheNextStart: `serve` is killed (SIGKILL, no shutdown) while a
// reply streams. The next start on the same data finds the turn its dead runner left — its lease
// lapses — and finishes it as interrupted: never stuck "running", no half-written reply, and the
// conversation goes on (the message can be answered again).
func TestServeKilledMidTurnIsFinishedByTheNextStart(t *testing.T) {
	t.Parallel()
	forEachChatProfile(t, func(t *testing.T, env map[string]string) {
		env = with(env, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "5",
			"COMPANIONHUB_TURN_LEASE_TTL", "2s", "COMPANIONHUB_TURN_LEASE_RENEW_EVERY", "1s",
			"COMPANIONHUB_TURN_REAP_EVERY", "1s")
		h := startHub(t, env)
		c := newChatter(t, h, "")
		sent := c.send(t, "Tell me about the stars.")
		s := c.follow(t, sent.Turn.ID, 0)
		seen := s.untilTokens(1) // the reply is being written
		h.kill(t)
		for {
			ev, err := s.next()
			if err != nil {
				require.False(t, errors.Is(err, io.EOF) && len(seen) > 0 && seen[len(seen)-1].terminal(),
					"the turn cannot have ended with its process")
				break
			}
			seen = append(seen, ev)
		}

		if _, ok := env["COMPANIONHUB_DATABASE_URL"]; !ok {
			env = with(env, "COMPANIONHUB_DATA_DIR", filepath.Join(h.cmd.Dir, "data"))
		}
		h2 := startHub(t, env)
		c2 := &chatter{client: h2.client(t), token: c.token, companion: c.companion}
		c2.bearer = c.token
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			turn := c2.turn(ct, sent.Turn.ID)
			require.Equal(ct, "failed", turn.Status)
			require.NotNil(ct, turn.Error)
			require.Equal(ct, "interrupted", turn.Error.Code)
		}, 30*time.Second, 100*time.Millisecond, "the next start finishes the turn its dead runner left")
		require.Equal(t, []string{"user"}, roles(c2.history(t)), "no half-written reply")

		// The client reconnects where it was cut off and hears how the turn ended.
		resumed := c2.followWithin(t, sent.Turn.ID, seen[len(seen)-1].ID, 10*time.Second).rest()
		all := append(seen, resumed...)
		requireSequence(t, all)
		require.Equal(t, "interrupted", failed(t, all).Code)

		// The conversation goes on: the message is answered again.
		again := c2.do("POST", "/api/v1/messages/"+sent.Message.ID+"/regenerate", nil)
		require.Equal(t, 202, again.StatusCode, "%s", again.body)
		var regen struct {
			Turn chatTurn `json:"turn"`
		}
		again.json(t, &regen)
		done := completed(t, c2.follow(t, regen.Turn.ID, 0).rest())
		require.NotEmpty(t, done.Text)
	})
}
