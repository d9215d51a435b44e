package comfyui

import (
	"context"
	"encoding/json"
	"time"

	"github.com/coder/websocket"

	"github.com/companionhub/companionhub/usecase/picture"
)

// handshakeTimeout bounds opening the WebSocket and the server's first message: past it, the
// render goes on without progress rather than waiting for a socket that does not come.
const handshakeTimeout = 5 * time.Second

// maxSocketMessage bounds one WebSocket message. Progress messages are tiny; previews and error
// reports (which quote a failing node's inputs, avatars included) are not, and one over the bound
// closes the socket — the render is then followed through /history, which says the same.
const maxSocketMessage = 8 << 20

// eventKind is what a WebSocket message means for the watched render.
type eventKind int

const (
	evStarted     eventKind = iota // execution_start, or executing a node
	evProgress                     // progress {value, max, node}
	evFinished                     // execution_success, or executing with node null
	evFailed                       // execution_error
	evInterrupted                  // execution_interrupted
	evLost                         // the socket closed or broke
)

// event is one message of the socket, decoded; promptID is "" for builds that send none.
type event struct {
	kind       eventKind
	promptID   string
	node       string
	value, max int
	excType    string
	excMessage string
}

// watcher reads a WebSocket on a goroutine of its own and hands its events over on a channel.
type watcher struct {
	conn   *websocket.Conn
	events chan event
	stop   context.CancelFunc
	done   chan struct{}
}

// watch opens the WebSocket for clientID, waits for the server's first message (ComfyUI sends the
// queue status once the socket is registered, so no message of the prompt can precede it), and
// starts reading. It returns nil when the socket cannot be had; the caller then polls.
func (c *Client) watch(ctx context.Context, clientID string) *watcher {
	u := c.base.JoinPath("ws")
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.RawQuery = "clientId=" + clientID
	// The socket lives as long as ctx; the timer cuts only the handshake short.
	sockCtx, stop := context.WithCancel(ctx)
	timer := time.AfterFunc(handshakeTimeout, stop)
	conn, _, err := websocket.Dial(sockCtx, u.String(), &websocket.DialOptions{HTTPClient: c.hc, HTTPHeader: c.header()})
	if err == nil {
		conn.SetReadLimit(maxSocketMessage)
		_, _, err = conn.Read(sockCtx)
	}
	if !timer.Stop() || err != nil {
		stop()
		if conn != nil {
			_ = conn.CloseNow()
		}
		return nil
	}
	w := &watcher{conn: conn, events: make(chan event, 16), stop: stop, done: make(chan struct{})}
	go w.read(sockCtx)
	return w
}

// close closes the socket and waits for the reader to return. It may be called on nil.
func (w *watcher) close() {
	if w == nil {
		return
	}
	w.stop()
	_ = w.conn.CloseNow()
	<-w.done
}

// read decodes messages until the socket ends, skipping binary frames (previews) and the events
// that say nothing of the render; the last event is evLost.
func (w *watcher) read(ctx context.Context) {
	defer close(w.done)
	for {
		typ, data, err := w.conn.Read(ctx)
		if err != nil {
			select {
			case w.events <- event{kind: evLost}:
			case <-ctx.Done():
			}
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		ev, ok := decodeEvent(data)
		if !ok {
			continue
		}
		select {
		case w.events <- ev:
		case <-ctx.Done():
			return
		}
	}
}

// decodeEvent reads a {"type", "data"} message; false for the types the watcher ignores
// (status, execution_cached, executed, previews' metadata, newer builds' progress_state).
func decodeEvent(msg []byte) (event, bool) {
	var m struct {
		Type string `json:"type"`
		Data struct {
			PromptID         string          `json:"prompt_id"`
			Node             json.RawMessage `json:"node"`
			Value            float64         `json:"value"`
			Max              float64         `json:"max"`
			ExceptionType    string          `json:"exception_type"`
			ExceptionMessage string          `json:"exception_message"`
		} `json:"data"`
	}
	if json.Unmarshal(msg, &m) != nil {
		return event{}, false
	}
	ev := event{promptID: m.Data.PromptID}
	_ = json.Unmarshal(m.Data.Node, &ev.node)
	switch m.Type {
	case "execution_start":
		ev.kind = evStarted
	case "executing":
		ev.kind = evStarted
		if len(m.Data.Node) == 0 || string(m.Data.Node) == "null" {
			ev.kind = evFinished
		}
	case "progress":
		ev.kind, ev.value, ev.max = evProgress, int(m.Data.Value), int(m.Data.Max)
	case "execution_success":
		ev.kind = evFinished
	case "execution_error":
		ev.kind, ev.excType, ev.excMessage = evFailed, m.Data.ExceptionType, m.Data.ExceptionMessage
	case "execution_interrupted":
		ev.kind = evInterrupted
	default:
		return event{}, false
	}
	return ev, true
}

// stages turns ComfyUI's per-node progress into the port's one rising count: each node that
// reports progress (a sampler, a second high-resolution pass, a tiled decode) is a stage, and
// Done counts the steps of the stages before the current one.
type stages struct {
	node           string
	before, curMax int // steps of the finished stages; the current stage's
	done           int // last Done reported
}

// update returns the progress after a node reported value steps of steps, false for a report
// that says nothing (steps not positive).
func (s *stages) update(node string, value, steps int) (picture.Progress, bool) {
	if steps <= 0 {
		return picture.Progress{}, false
	}
	if s.curMax == 0 || node != s.node {
		s.before += s.curMax
		s.node = node
	}
	s.curMax = steps
	s.done = max(s.done, s.before+min(max(value, 0), steps))
	return picture.Progress{Done: s.done, Total: max(s.before+s.curMax, s.done)}, true
}
