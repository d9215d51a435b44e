package httpapi

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/logkey"
	"github.com/companionhub/companionhub/usecase/stream"

	"github.com/companionhub/companionhub/domain/chat"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// streamWriteTimeout bounds one write to a follower: a client that stopped reading is let go.
const streamWriteTimeout = 30 * time.Second

// turnEvents streams a turn's events as Server-Sent Events (SPEC §3.3): "id" is the event's
// sequence number, so a reconnecting EventSource resumes exactly where it left off; comments keep
// idle connections alive; the stream ends after the turn's complete or error event.
//
// An HTTP/1 follower's connection is taken from net/http once the stream is set up (hijacked) and
// served by one goroutine of its own that starts small: net/http's goroutine for the connection —
// whose stack grew through the middleware, the session lookup and the database — ends, its buffers
// and its background reader go with it, and an idle follower costs that one parked goroutine and
// its subscription (SPEC §4 P8). What the hijacked stream gives up is noticing a client that left
// before its next write: the heartbeat finds it. HTTP/2 streams, and writers that cannot be
// hijacked, are served in the handler.
func (s *Server) turnEvents(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, chat.ErrTurnNotFound)
	if err != nil {
		writeError(w, r, err)
		return
	}
	after, err := lastEventID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// The subscription lives as long as the stream, which may outlive the request's handler.
	life, end := context.WithCancel(context.WithoutCancel(r.Context()))
	sub, err := s.chat.Follow.Handle(life, chatuc.Follow{OwnerID: principalFrom(r.Context()).UserID, TurnID: id, After: after})
	if err != nil {
		end()
		if errors.Is(err, chatuc.ErrNoMoreEvents) {
			w.WriteHeader(http.StatusNoContent) // tells an EventSource to stop reconnecting
			return
		}
		writeError(w, r, err)
		return
	}
	s.streamEvents(w, r, follower{s: s, sub: sub, turnID: id, life: life, end: end})
}

// streamEvents serves f: the stream's headers, then its events on the connection taken from
// net/http (HTTP/1) or in the handler.
func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request, f follower) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	if conn := hijack(w, r); conn != nil {
		go f.detached(conn)
		return
	}
	defer context.AfterFunc(r.Context(), f.end)()
	w.WriteHeader(http.StatusOK)
	f.serve(f.life, responseOut{w: w, rc: http.NewResponseController(w)})
}

// hijack takes an HTTP/1 connection from net/http after writing the stream's response head
// (status, the headers set so far, Connection: close — the body ends with the connection), or
// returns nil, having written nothing, when the connection cannot be taken.
func hijack(w http.ResponseWriter, r *http.Request) net.Conn {
	if r.ProtoMajor != 1 {
		return nil
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil
	}
	// A GET has no body: nothing the client sent is left unread in buf, which goes with net/http's
	// state for the connection.
	_ = buf
	var head bytes.Buffer
	head.WriteString("HTTP/1.1 200 OK\r\n")
	hdr := w.Header().Clone()
	hdr.Set("Connection", "close")
	hdr.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	_ = hdr.Write(&head)
	head.WriteString("\r\n")
	_ = conn.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := conn.Write(head.Bytes()); err != nil {
		_ = conn.Close()
		return nil // the client is gone: there is nobody to answer
	}
	return conn
}

// follower is one SSE stream of a turn's events.
type follower struct {
	s      *Server
	sub    stream.Subscription
	turnID domain.ID
	life   context.Context // ends the subscription
	end    context.CancelFunc
	// endless: a room's stream, which a terminal event (one answer's end) does not end.
	endless bool
}

// sseOut is where a stream writes: the handler's response, or the connection taken from net/http.
type sseOut interface {
	write(p []byte) error
}

type responseOut struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (o responseOut) write(p []byte) error {
	_ = o.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	if _, err := o.w.Write(p); err != nil {
		return err
	}
	return o.rc.Flush()
}

type connOut struct{ c net.Conn }

func (o connOut) write(p []byte) error {
	_ = o.c.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	_, err := o.c.Write(p)
	return err
}

// detached serves the stream on a connection taken from net/http, until it ends or the server
// drains.
func (f follower) detached(conn net.Conn) {
	defer conn.Close()
	f.serve(f.life, connOut{conn})
}

// serve writes the stream: the retry hint, then every event, with a heartbeat comment whenever
// SSEHeartbeat passed without a write. It waits in Next itself — an idle stream runs no goroutine
// beside the one serving it — and ends the subscription when it returns.
func (f follower) serve(ctx context.Context, out sseOut) {
	defer f.end()
	defer f.sub.Close()
	defer context.AfterFunc(f.s.draining, f.end)()
	if out.write([]byte("retry: 2000\n\n")) != nil {
		return
	}
	every := f.s.cfg.SSEHeartbeat
	beat := time.Now().Add(every)
	var buf []byte
	for {
		wait, stop := context.WithDeadline(ctx, beat)
		e, err := f.sub.Next(wait)
		stop()
		switch {
		case err == nil:
			buf = appendEvent(buf[:0], e)
			if out.write(buf) != nil || (e.Type.Terminal() && !f.endless) {
				return
			}
		case ctx.Err() != nil:
			return
		case errors.Is(err, context.DeadlineExceeded):
			if out.write([]byte(": heartbeat\n\n")) != nil {
				return
			}
			beat = time.Now().Add(every)
		default:
			if !errors.Is(err, stream.ErrEnded) && !domain.IsKind(err, domain.KindNotFound) { // not found: out of a room
				f.s.log.Warn("turn stream ended early", zap.String(logkey.TurnID, f.turnID.String()), zap.Error(err))
			}
			return // the client reconnects with Last-Event-ID
		}
	}
}

// appendEvent appends e in SSE form: its id (none for an event without a number: an answer's on a
// room's stream, which leaves the follower's last id as it was), its type and its data as data lines
// (JSON has no raw newlines, but a line break must never end the field early).
func appendEvent(b []byte, e chat.Event) []byte {
	if e.Seq > 0 {
		b = append(b, "id: "...)
		b = strconv.AppendInt(b, e.Seq, 10)
		b = append(b, '\n')
	}
	b = append(b, "event: "...)
	b = append(b, e.Type...)
	b = append(b, "\ndata: "...)
	data := bytes.ReplaceAll(e.Data, []byte("\r\n"), []byte("\n"))
	b = append(b, bytes.ReplaceAll(data, []byte("\n"), []byte("\ndata: "))...)
	return append(b, "\n\n"...)
}
