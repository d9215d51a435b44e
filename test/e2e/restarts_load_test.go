package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The load of the restart tests: a few people each talking to a companion of theirs without pause,
// as chat windows left open would — send, follow the reply to its end, send the next. When the hub
// fails them they do what a real client does: a send that got no answer or a 5xx is sent again
// under the same Idempotency-Key until it is answered, and a broken stream is resumed with
// Last-Event-ID. Everything the hub accepted is then accounted for.

// Bounds of the load's requests. Only a hub that hangs reaches them.
const (
	// requestPatience bounds one request (a follow: one connection, then it reconnects).
	requestPatience = 30 * time.Second
	// loadPatience bounds a whole phase of load, retries included.
	loadPatience = 2 * time.Minute
	// clientPause is how long a client waits before it tries again, as clients back off.
	clientPause = 200 * time.Millisecond
)

// talker is one person talking to one companion.
type talker struct {
	name string
	c    *chatter

	// quiet: the talker does not talk with the others; a test sends as it by hand.
	quiet bool

	mu        sync.Mutex
	sends     []*loadSend
	streaming bool // the reply being followed has begun and not ended
}

// loadSend is one message as its sender saw it.
type loadSend struct {
	phase, epoch int
	text, key    string
	// What the hub answered: the message and its turn once accepted (202), and the answers before.
	messageID, turnID string
	refusals          []string // clean refusals: status, code and reason
	noAnswer          int      // requests that got no answer (sent again)
	// end is the terminal event the follower heard ("complete", or "error:<code>"); ids the
	// event ids heard, across reconnections.
	end string
	ids []int64
}

// load drives talkers on one hub, a phase at a time.
type load struct {
	h       *hub
	talkers []*talker
	// abandoned is closed when the test failed: the talkers give up at their next pause.
	abandoned chan struct{}

	mu       sync.Mutex
	phase    int
	epoch    int // bumped when a dependency is back: sends after it must be answered
	refused  int // the talkers' requests (sends and follows) refused or unanswered in this phase
	problems []string
	stop     chan struct{}
	wg       sync.WaitGroup
	deadline time.Time
}

func newLoad(t *testing.T, h *hub, people int) *load {
	t.Helper()
	l := &load{h: h, abandoned: make(chan struct{})}
	for i := range people {
		l.talkers = append(l.talkers, &talker{name: fmt.Sprintf("talker %d", i+1), c: newChatter(t, h, "")})
	}
	t.Cleanup(func() {
		if t.Failed() {
			close(l.abandoned)
			l.report(t)
		}
	})
	return l
}

// report tells, for a failed test, where each talker stands and what the hub complained of.
func (l *load) report(t *testing.T) {
	for _, tk := range l.talkers {
		tk.mu.Lock()
		for i, s := range tk.sends[max(0, len(tk.sends)-3):] {
			var now []byte
			if s.end == "" && s.turnID != "" {
				_, now, _ = l.request(tk, "GET", "/api/v1/turns/"+s.turnID, nil, nil)
			}
			t.Logf("%s, send %d of phase %d (epoch %d): turn %s, refusals %v, %d unanswered, end %q, event ids %v %s",
				tk.name, len(tk.sends)-min(3, len(tk.sends))+i+1, s.phase, s.epoch, s.turnID, s.refusals, s.noAnswer, s.end, s.ids, now)
		}
		tk.mu.Unlock()
	}
	for _, line := range strings.Split(l.h.logs.String(), "\n") {
		if strings.Contains(line, `"level":"warn"`) || strings.Contains(line, `"level":"error"`) {
			t.Log(line)
		}
	}
}

// problem notes what a client should never meet (a hang, an answer that is no JSON error, a
// stream that repeats or skips an id); the phase fails with every one of them.
func (l *load) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// start sets the talkers talking, in a new phase.
func (l *load) start() {
	l.mu.Lock()
	l.phase++
	l.refused = 0
	l.stop = make(chan struct{})
	l.deadline = time.Now().Add(loadPatience)
	l.mu.Unlock()
	for _, tk := range l.talkers {
		if !tk.quiet {
			l.wg.Go(func() { l.talk(tk) })
		}
	}
}

// halt stops the talkers once they are done with the message in hand: it is sent until answered
// and its reply followed to its end.
func (l *load) halt(t *testing.T) {
	t.Helper()
	close(l.stop)
	done := make(chan struct{})
	go func() {
		l.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(loadPatience + requestPatience):
		t.Fatalf("the talkers did not stop within %s", loadPatience+requestPatience)
	}
}

// recovered marks that a dependency is back: what is sent from now on must be answered.
func (l *load) recovered() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.epoch++
}

func (l *load) stopped() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

// pause is a client's back-off before it tries again; false once the phase ran out of patience
// or the test failed.
func (l *load) pause() bool {
	if time.Now().After(l.deadline) {
		return false
	}
	select {
	case <-time.After(clientPause):
		return true
	case <-l.abandoned:
		return false
	}
}

func (l *load) talk(tk *talker) {
	for n := 1; !l.stopped(); n++ {
		l.mu.Lock()
		s := &loadSend{phase: l.phase, epoch: l.epoch, key: unique("load"),
			text: fmt.Sprintf("Phase %d, message %d of %s: tell me about the stars.", l.phase, n, tk.name)}
		l.mu.Unlock()
		tk.mu.Lock()
		tk.sends = append(tk.sends, s)
		tk.mu.Unlock()
		if !l.send(tk, s) {
			return
		}
		l.follow(tk, s)
		if s.end == "" {
			return
		}
	}
}

// send posts s until the hub answers it: accepted, or a problem.
func (l *load) send(tk *talker, s *loadSend) bool {
	path := "/api/v1/companions/" + tk.c.companion + "/messages"
	for {
		status, body, err := l.request(tk, "POST", path, map[string]any{"text": s.text},
			map[string]string{"Idempotency-Key": s.key})
		switch {
		case err != nil:
			// The request may have been taken or not: the same key makes sending it again safe.
			tk.mu.Lock()
			s.noAnswer++
			tk.mu.Unlock()
			l.noted()
			if errors.Is(err, context.DeadlineExceeded) {
				l.problem("%s: a send hung for %s", tk.name, requestPatience)
			}
		case status == http.StatusAccepted:
			var sent sentMessage
			if err := json.Unmarshal(body, &sent); err != nil || sent.Turn.ID == "" || sent.Message.Text != s.text {
				l.problem("%s: an accepted send answered %s", tk.name, body)
				return false
			}
			tk.mu.Lock()
			s.messageID, s.turnID = sent.Message.ID, sent.Turn.ID
			tk.mu.Unlock()
			return true
		case status >= 500 || status == http.StatusTooManyRequests:
			r := l.refusal(tk, "send", status, body)
			tk.mu.Lock()
			s.refusals = append(s.refusals, r)
			tk.mu.Unlock()
		default:
			l.problem("%s: a send answered %d: %s", tk.name, status, body)
			return false
		}
		if !l.pause() {
			l.problem("%s: a send was not accepted within %s (%d refusals, %d unanswered)", tk.name, loadPatience,
				len(s.refusals), s.noAnswer)
			return false
		}
	}
}

// errRefused is a follow the hub refused (and refusal noted).
var errRefused = errors.New("refused")

// noted counts a request of the phase that was refused, left unanswered or cut.
func (l *load) noted() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refused++
}

// refusal checks that a refusal is the API's JSON error and describes it.
func (l *load) refusal(tk *talker, what string, status int, body []byte) string {
	l.noted()
	var e struct {
		Error apiError `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		l.problem("%s: a %s was refused with %d and no JSON error: %q", tk.name, what, status, body)
		return strconv.Itoa(status)
	}
	if status == http.StatusInternalServerError {
		l.problem("%s: a %s was refused as a bug of the hub's (an outage is a 503): %s", tk.name, what, body)
	}
	return fmt.Sprintf("%d %s/%s", status, e.Error.Code, e.Error.Details.Reason)
}

// follow follows s's turn to its terminal event, reconnecting after the last event heard whenever
// the stream breaks or the hub refuses it.
func (l *load) follow(tk *talker, s *loadSend) {
	defer func() {
		tk.mu.Lock()
		tk.streaming = false
		tk.mu.Unlock()
	}()
	var last int64
	for {
		end, err := l.followOnce(tk, s, &last)
		if end != "" {
			tk.mu.Lock()
			s.end = end
			tk.mu.Unlock()
			return
		}
		// A connection open for requestPatience is dropped and made again, as a browser's may be
		// by a proxy: only a turn that never ends (loadPatience) is the hub's fault.
		if err != nil && !errors.Is(err, errRefused) {
			l.noted() // the stream broke, or no answer
		}
		if !l.pause() {
			l.problem("%s: turn %s did not end within %s (last event %d, %v)", tk.name, s.turnID, loadPatience, last, err)
			return
		}
	}
}

// followOnce is one connection to the turn's events; it returns the terminal event once heard.
func (l *load) followOnce(tk *talker, s *loadSend, last *int64) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), requestPatience)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", l.h.URL+"/api/v1/turns/"+s.turnID+"/events", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-Forwarded-For", tk.c.ip)
	req.Header.Set("Authorization", "Bearer "+tk.c.bearer)
	if *last > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(*last, 10))
	}
	res, err := tk.c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, err := io.ReadAll(res.Body)
		if err != nil {
			return "", err
		}
		if res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests {
			l.refusal(tk, "follow", res.StatusCode, body)
			return "", errRefused
		}
		l.problem("%s: following turn %s answered %d: %s", tk.name, s.turnID, res.StatusCode, body)
		return "", fmt.Errorf("follow: %d", res.StatusCode)
	}
	rd := bufio.NewReader(res.Body)
	var id int64
	var typ string
	var data []string
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			return "", err // the stream broke (or ended) before the turn's end: reconnect
		}
		line = strings.TrimRight(line, "\r\n")
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch {
		case line == "" && typ != "":
			end := l.heard(tk, s, last, id, typ, strings.Join(data, "\n"))
			if end != "" {
				return end, nil
			}
			id, typ, data = 0, "", nil
		case line == "", strings.HasPrefix(line, ":"), field == "retry":
		case field == "id":
			id, _ = strconv.ParseInt(value, 10, 64)
		case field == "event":
			typ = value
		case field == "data":
			data = append(data, value)
		}
	}
}

// heard takes one event of s's turn: its id must follow the last one heard, across
// reconnections. It returns the terminal event's description ("" for the others).
func (l *load) heard(tk *talker, s *loadSend, last *int64, id int64, typ, data string) string {
	if id != *last+1 {
		l.problem("%s: turn %s: event %q has id %d after %d", tk.name, s.turnID, typ, id, *last)
	}
	*last = id
	tk.mu.Lock()
	defer tk.mu.Unlock()
	s.ids = append(s.ids, id)
	switch typ {
	case "token":
		tk.streaming = true
	case "complete":
		return "complete"
	case "error":
		var e errorEvent
		_ = json.Unmarshal([]byte(data), &e)
		return "error:" + e.Code
	}
	return ""
}

// request makes one request of the API as tk, within requestPatience.
func (l *load) request(tk *talker, method, path string, body any, hdr map[string]string) (int, []byte, error) {
	js, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestPatience)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, l.h.URL+path, bytes.NewReader(js))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", tk.c.ip)
	req.Header.Set("Authorization", "Bearer "+tk.c.bearer)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := tk.c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, data, err
}

// streaming is how many talkers are hearing a reply being written.
func (l *load) streaming() int {
	n := 0
	for _, tk := range l.talkers {
		tk.mu.Lock()
		if tk.streaming {
			n++
		}
		tk.mu.Unlock()
	}
	return n
}

// awaitStreaming waits until replies are being written.
func (l *load) awaitStreaming(t *testing.T) {
	t.Helper()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		require.Positive(ct, l.streaming(), "a reply is being written")
	}, loadPatience, 20*time.Millisecond, "replies stream")
}

// awaitAnswered waits until every talker had a reply to a message sent in the current epoch of
// the current phase: the hub answers new messages.
func (l *load) awaitAnswered(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	phase, epoch := l.phase, l.epoch
	l.mu.Unlock()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		for _, tk := range l.talkers {
			if tk.quiet {
				continue
			}
			tk.mu.Lock()
			answered := slices.ContainsFunc(tk.sends, func(s *loadSend) bool {
				return s.phase == phase && s.epoch == epoch && s.end == "complete"
			})
			tk.mu.Unlock()
			require.True(ct, answered, "%s was answered", tk.name)
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		require.Empty(ct, l.problems)
	}, loadPatience, 50*time.Millisecond, "every talker is answered")
}
