package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tally is what happened to the messages of a phase.
type tally struct {
	accepted, completed, failed, lost, duplicated int
	refused                                       int            // the talkers' requests refused, unanswered or cut
	failures                                      map[string]int // error code → turns
	retried                                       int            // accepted after refusals or unanswered requests
	refusals                                      map[string]int // status, code and reason → answers
}

func (c tally) String() string {
	return fmt.Sprintf("%d messages accepted (%d after retries; sends refused %s), %d replies completed, "+
		"%d clean failures %s, %d lost, %d duplicated; %d requests refused, unanswered or cut",
		c.accepted, c.retried, counts(c.refusals), c.completed, c.failed, counts(c.failures), c.lost, c.duplicated, c.refused)
}

func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// account checks, once the talkers stopped, that every message the hub accepted in the phase
// ended — its reply completed, or its turn failed cleanly with an error code — and that the
// conversations hold each accepted message exactly once and at most one reply per turn, the
// completed turn's own. It fails t with every problem the phase met.
func (l *load) account(t *testing.T) tally {
	t.Helper()
	l.mu.Lock()
	phase := l.phase
	problems := slices.Clone(l.problems)
	refused := l.refused
	l.mu.Unlock()
	require.Empty(t, problems, "what no client should meet")
	c := tally{failures: map[string]int{}, refusals: map[string]int{}, refused: refused}
	for _, tk := range l.talkers {
		turns := map[string]chatTurn{}
		for _, s := range tk.sends {
			require.NotEmpty(t, s.turnID, "%s: %q was sent until accepted", tk.name, s.text)
			if s.phase != phase {
				continue
			}
			turn := tk.c.turn(t, s.turnID)
			turns[s.turnID] = turn
			c.accepted++
			if len(s.refusals) > 0 || s.noAnswer > 0 {
				c.retried++
			}
			for _, r := range s.refusals {
				c.refusals[r]++
			}
			switch turn.Status {
			case "completed":
				c.completed++
				assert.Equal(t, "complete", s.end, "%s: the follower heard turn %s complete", tk.name, s.turnID)
			case "failed", "cancelled":
				if assert.NotNil(t, turn.Error, "%s: turn %s failed with an error", tk.name, s.turnID) &&
					assert.NotEmpty(t, turn.Error.Code) &&
					assert.NotEqual(t, "internal", turn.Error.Code, "%s: turn %s failed as a bug of the hub's, not as the outage it met",
						tk.name, s.turnID) {
					c.failed++
					c.failures[turn.Error.Code]++
					assert.Equal(t, "error:"+turn.Error.Code, s.end, "%s: the follower heard how turn %s ended", tk.name, s.turnID)
				}
			default:
				c.lost++
				t.Errorf("%s: turn %s is still %s", tk.name, s.turnID, turn.Status)
			}
		}

		// The conversation: every accepted message once, every reply its completed turn's.
		users, replies := map[string]int{}, map[string][]chatMessage{}
		for _, m := range tk.c.fullHistory(t) {
			switch m.Role {
			case "user":
				users[m.ID]++
			case "assistant":
				replies[m.TurnID] = append(replies[m.TurnID], m)
			}
		}
		for _, s := range tk.sends {
			n := users[s.messageID]
			delete(users, s.messageID)
			rs := replies[s.turnID]
			delete(replies, s.turnID)
			turn := turns[s.turnID]
			if s.phase != phase {
				continue
			}
			switch {
			case n == 0:
				c.lost++
				t.Errorf("%s: accepted message %s is not in the conversation", tk.name, s.messageID)
			case n > 1:
				c.duplicated += n - 1
				t.Errorf("%s: message %s is in the conversation %d times", tk.name, s.messageID, n)
			}
			switch {
			case len(rs) > 1:
				c.duplicated += len(rs) - 1
				t.Errorf("%s: turn %s has %d replies", tk.name, s.turnID, len(rs))
			case turn.Status == "completed" && (len(rs) == 0 || rs[0].ID != turn.ReplyID):
				c.lost++
				t.Errorf("%s: completed turn %s: its reply %s is not in the conversation (%v)", tk.name, s.turnID, turn.ReplyID, rs)
			case turn.Status != "completed" && len(rs) > 0:
				c.duplicated++
				t.Errorf("%s: %s turn %s left a reply: %v", tk.name, turn.Status, s.turnID, rs)
			}
		}
		for id, n := range users {
			c.duplicated += n
			t.Errorf("%s: message %s is in the conversation but no send was accepted with it", tk.name, id)
		}
		for turnID, rs := range replies {
			c.duplicated += len(rs)
			t.Errorf("%s: reply of turn %s, which no accepted send started", tk.name, turnID)
		}
	}
	return c
}

// fullHistory is the whole conversation, page by page, newest first.
func (c *chatter) fullHistory(t *testing.T) []chatMessage {
	t.Helper()
	var all []chatMessage
	cursor := ""
	for {
		path := "/api/v1/companions/" + c.companion + "/messages?limit=100"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := c.do("GET", path, nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
		var page struct {
			Items      []chatMessage `json:"items"`
			NextCursor string        `json:"next_cursor"`
		}
		res.json(t, &page)
		all = append(all, page.Items...)
		if page.NextCursor == "" {
			return all
		}
		cursor = page.NextCursor
	}
}
