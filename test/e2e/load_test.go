package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestThousandStreams (S4): 50 turns streaming at once, each followed by 20 clients — 1 000 open
// event streams on one hub — on SQLite and on PostgreSQL + Redis. Every stream is checked event by
// event: ids 1, 2, 3… without a gap or a repeat, ending with its turn's complete event, and its
// token events adding up to exactly the reply the turn completed with (no word lost, none twice);
// the conversation holds each reply once.
func TestThousandStreams(t *testing.T) {
	t.Parallel()
	for _, p := range []profile{sqliteProfile, postgresRedisProfile} {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			const turns, followers = 50, 20
			h := startHub(t, with(p.env(t), "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "1",
				"COMPANIONHUB_RATE_LIMIT_COMPANION_CREATE", "1000/1m", "COMPANIONHUB_RATE_LIMIT_CHAT", "1000/1m"))
			first := newChatter(t, h, "")
			chatters := []*chatter{first}
			doc := companionDoc(t, map[string]any{"system_prompt": ""})
			for range turns - 1 {
				res := first.do("POST", "/api/v1/companions", doc)
				require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
				var created companionResp
				res.json(t, &created)
				chatters = append(chatters, &chatter{client: first.client, token: first.token, companion: created.Companion.ID})
			}

			// Every message is sent, then every stream opened (from the start, as a page that loads
			// does), 50 at a time, while the replies are still being written: a token a second, slow enough
			// for a busy machine to open them all first.
			sent := make([]sentMessage, turns)
			for i, c := range chatters {
				sent[i] = c.send(t, fmt.Sprintf("Tell me about the stars, please (%d).", i))
			}
			streams := make([][]*eventStream, turns)
			opening := time.Now()
			var openAll sync.WaitGroup
			openErrs := make([]error, turns)
			for i := range chatters {
				streams[i] = make([]*eventStream, followers)
				openAll.Go(func() {
					for j := range followers {
						if streams[i][j], openErrs[i] = first.open(t, "/api/v1/turns/"+sent[i].Turn.ID+"/events", 0, streamTimeout); openErrs[i] != nil {
							return
						}
					}
				})
			}
			openAll.Wait()
			require.NoError(t, errors.Join(openErrs...))
			// The streams are live ones: replies were still being written once all were open.
			writing := 0
			for i, c := range chatters {
				if c.turn(t, sent[i].Turn.ID).Status != "completed" {
					writing++
				}
			}
			t.Logf("%d streams opened in %s; %d of %d replies still being written then", turns*followers,
				time.Since(opening).Round(time.Millisecond), writing, turns)
			require.Positive(t, writing, "the streams were open while replies were written")

			type outcome struct {
				events   int
				text     string
				complete completeEvent
				err      error
			}
			outcomes := make([][]outcome, turns)
			var wg sync.WaitGroup
			for i := range streams {
				outcomes[i] = make([]outcome, followers)
				for j, s := range streams[i] {
					wg.Go(func() {
						o := &outcomes[i][j]
						o.events, o.text, o.complete, o.err = readStream(s)
					})
				}
			}
			wg.Wait()

			opened, lost, twice, broken := 0, 0, 0, 0
			for i := range outcomes {
				for j, o := range outcomes[i] {
					opened++
					if o.err != nil {
						broken++
						t.Errorf("turn %d, follower %d: %v", i, j, o.err)
						continue
					}
					if o.text != o.complete.Text {
						missing, extra := wordDiff(o.complete.Text, o.text)
						lost, twice = lost+missing, twice+extra
						t.Errorf("turn %d, follower %d: the tokens make %q, the reply is %q", i, j, o.text, o.complete.Text)
					}
					if o.complete != outcomes[i][0].complete {
						t.Errorf("turn %d: followers were told different endings: %+v, %+v", i, o.complete, outcomes[i][0].complete)
					}
				}
			}
			t.Logf("%d streams on %d turns: %d broken, %d words lost, %d twice; %d events in each of the first turn's",
				opened, turns, broken, lost, twice, outcomes[0][0].events)
			require.Equal(t, turns*followers, opened)

			for i, c := range chatters {
				msgs := c.history(t)
				require.Equal(t, []string{"assistant", "user"}, roles(msgs), "turn %d: one message, one reply", i)
				require.Equal(t, outcomes[i][0].complete.Text, msgs[0].Text, "turn %d: what streamed is what is kept", i)
			}
		})
	}
}

// readStream reads one turn's stream to its end without failing the test from its goroutine: the
// number of events, the text its tokens make (after the last reset), its complete event, and what
// was wrong with it — an id out of sequence, an error instead of the reply, a stream that goes on
// after its end or stops before it.
func readStream(s *eventStream) (events int, text string, done completeEvent, err error) {
	var b strings.Builder
	for {
		ev, err := s.next()
		if err != nil {
			return events, b.String(), done, fmt.Errorf("after %d events: %w", events, err)
		}
		events++
		if ev.ID != int64(events) {
			return events, b.String(), done, fmt.Errorf("event %d has id %d", events, ev.ID)
		}
		switch ev.Type {
		case "reset":
			b.Reset()
		case "token":
			var tok struct {
				Text string `json:"text"`
			}
			if err := json.Unmarshal(ev.Data, &tok); err != nil {
				return events, b.String(), done, fmt.Errorf("token %d: %w", ev.ID, err)
			}
			b.WriteString(tok.Text)
		case "error":
			return events, b.String(), done, fmt.Errorf("the turn failed: %s", ev.Data)
		case "complete":
			if err := json.Unmarshal(ev.Data, &done); err != nil {
				return events, b.String(), done, fmt.Errorf("complete: %w", err)
			}
			if _, err := s.next(); !errors.Is(err, io.EOF) {
				return events, b.String(), done, fmt.Errorf("the stream goes on after its complete event: %v", err)
			}
			return events, b.String(), done, nil
		}
	}
}

// wordDiff counts the words of want missing from got, and those of got beyond want.
func wordDiff(want, got string) (missing, extra int) {
	count := map[string]int{}
	for _, w := range strings.Fields(want) {
		count[w]++
	}
	for _, w := range strings.Fields(got) {
		count[w]--
	}
	for _, n := range count {
		if n > 0 {
			missing += n
		} else {
			extra -= n
		}
	}
	return missing, extra
}
