package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// sseEvent is one event of a turn's stream as a browser's EventSource would dispatch it.
type sseEvent struct {
	ID   int64
	Type string
	Data json.RawMessage
}

func (e sseEvent) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(e.Data, v), "event %d %s: %s", e.ID, e.Type, e.Data)
}

// text is a token event's text.
func (e sseEvent) text(t *testing.T) string {
	t.Helper()
	var tok struct {
		Text string `json:"text"`
	}
	e.decode(t, &tok)
	return tok.Text
}

// terminal reports whether the event ends the stream.
func (e sseEvent) terminal() bool { return e.Type == "complete" || e.Type == "error" }

// streamTimeout bounds how long a test follows one stream: a stream that never ends fails the test
// instead of hanging it.
const streamTimeout = 2 * time.Minute

// eventStream is one open connection to a turn's events.
type eventStream struct {
	t      *testing.T
	body   io.ReadCloser
	rd     *bufio.Reader
	cancel context.CancelFunc
	// unnumbered: a room's stream, whose answers' events carry no id.
	unnumbered bool
}

// follow opens the turn's event stream, resuming after lastID (0: from the start) as a
// reconnecting EventSource does, with the Last-Event-ID header.
func (c *client) follow(t *testing.T, turnID string, lastID int64) *eventStream {
	t.Helper()
	return c.followWithin(t, turnID, lastID, streamTimeout)
}

func (c *client) followWithin(t *testing.T, turnID string, lastID int64, timeout time.Duration) *eventStream {
	t.Helper()
	return c.stream(t, "/api/v1/turns/"+turnID+"/events", lastID, timeout)
}

// followRoom opens a room's event stream, resuming after lastID (0: what the room's stream holds).
func (c *client) followRoom(t *testing.T, roomID string, lastID int64) *eventStream {
	t.Helper()
	s := c.stream(t, "/api/v1/rooms/"+roomID+"/events", lastID, streamTimeout)
	s.unnumbered = true
	return s
}

func (c *client) stream(t *testing.T, path string, lastID int64, timeout time.Duration) *eventStream {
	t.Helper()
	s, err := c.open(t, path, lastID, timeout)
	require.NoError(t, err)
	return s
}

// open is stream without failing the test, so that other goroutines than the test's may open
// streams: a refusal or a connection that is no event stream is its error.
func (c *client) open(t *testing.T, path string, lastID int64, timeout time.Duration) (*eventStream, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	req, err := http.NewRequestWithContext(ctx, "GET", c.h.URL+path, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-Forwarded-For", c.ip)
	req.Header.Set("User-Agent", "companionhub-e2e")
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if lastID > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(lastID, 10))
	}
	res, err := c.http.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET events: %d %s: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	s := &eventStream{t: t, body: res.Body, rd: bufio.NewReader(res.Body), cancel: cancel}
	t.Cleanup(s.close)
	return s, nil
}

// close drops the connection, as a client going away does.
func (s *eventStream) close() {
	s.cancel()
	_ = s.body.Close()
}

// next returns the next event; io.EOF when the server ended the stream cleanly between events.
// Comments (heartbeats) and field-only blocks (retry) are skipped, as EventSource does; every event
// must carry an id and a type.
func (s *eventStream) next() (sseEvent, error) {
	var ev sseEvent
	var data []string
	hasID := false
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && (line != "" || data != nil) {
				return sseEvent{}, io.ErrUnexpectedEOF // the stream stopped inside an event
			}
			return sseEvent{}, err
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		switch {
		case line == "":
			if data == nil {
				ev, hasID = sseEvent{}, false
				continue
			}
			ev.Data = json.RawMessage(strings.Join(data, "\n"))
			require.True(s.t, hasID || s.unnumbered, "event without an id: %+v", ev)
			require.NotEmpty(s.t, ev.Type, "event without a type: %s", ev.Data)
			return ev, nil
		case strings.HasPrefix(line, ":"): // a comment: heartbeat
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "id":
				n, err := strconv.ParseInt(value, 10, 64)
				require.NoError(s.t, err, "event id %q", value)
				ev.ID, hasID = n, true
			case "event":
				ev.Type = value
			case "data":
				data = append(data, value)
			case "retry":
			default:
				s.t.Fatalf("unknown SSE field %q", line)
			}
		}
	}
}

// must is next for a stream that must go on.
func (s *eventStream) must() sseEvent {
	s.t.Helper()
	ev, err := s.next()
	require.NoError(s.t, err, "the stream ended early")
	return ev
}

// untilTokens reads events until n token events have come (and returns every event read).
func (s *eventStream) untilTokens(n int) []sseEvent {
	s.t.Helper()
	var evs []sseEvent
	for tokens := 0; tokens < n; {
		ev := s.must()
		require.False(s.t, ev.terminal(), "the turn ended after %d token event(s): %s %s", tokens, ev.Type, ev.Data)
		evs = append(evs, ev)
		if ev.Type == "token" {
			tokens++
		}
	}
	return evs
}

// rest reads events up to and including the terminal one, then checks that the server ends the
// stream there.
func (s *eventStream) rest() []sseEvent {
	s.t.Helper()
	var evs []sseEvent
	for {
		ev := s.must()
		evs = append(evs, ev)
		if ev.terminal() {
			break
		}
	}
	_, err := s.next()
	require.ErrorIs(s.t, err, io.EOF, "the stream ends after its %s event", evs[len(evs)-1].Type)
	return evs
}

// requireSequence checks that evs are numbered 1, 2, 3… with nothing repeated or missing.
func requireSequence(t *testing.T, evs []sseEvent) {
	t.Helper()
	for i, ev := range evs {
		require.Equal(t, int64(i+1), ev.ID, "event %d of %d (%s) has the wrong sequence number", i+1, len(evs), ev.Type)
	}
}

// replyText is the text a client shows: the token events after the last reset.
func replyText(t *testing.T, evs []sseEvent) string {
	t.Helper()
	var b strings.Builder
	for _, ev := range evs {
		switch ev.Type {
		case "reset":
			b.Reset()
		case "token":
			b.WriteString(ev.text(t))
		}
	}
	return b.String()
}

// ofType returns the events of one type.
func ofType(evs []sseEvent, typ string) []sseEvent {
	var out []sseEvent
	for _, ev := range evs {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

type completeEvent struct {
	MessageID string `json:"message_id"`
	Text      string `json:"text"`
}

type errorEvent struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// completed checks that the last event completes the turn and returns it.
func completed(t *testing.T, evs []sseEvent) completeEvent {
	t.Helper()
	last := evs[len(evs)-1]
	require.Equal(t, "complete", last.Type, "the turn completes: %s", last.Data)
	var c completeEvent
	last.decode(t, &c)
	require.NotEmpty(t, c.MessageID)
	require.NotEmpty(t, c.Text)
	return c
}

// failed checks that the last event is an error and returns it.
func failed(t *testing.T, evs []sseEvent) errorEvent {
	t.Helper()
	last := evs[len(evs)-1]
	require.Equal(t, "error", last.Type, "the turn fails: %s", last.Data)
	var e errorEvent
	last.decode(t, &e)
	require.NotEmpty(t, e.Code)
	require.NotEmpty(t, e.Message)
	return e
}
