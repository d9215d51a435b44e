package comfyfake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// socket is one client's WebSocket, registered under its clientId (its sid).
type socket struct {
	conn *websocket.Conn
}

// writeTimeout bounds a message to a client that does not read: the worker must not stall.
const writeTimeout = 5 * time.Second

// serveSocket is GET /ws?clientId=: as ComfyUI does, it registers the socket under the given id
// (or a new one), replacing an older socket of that id, sends the queue status with the sid,
// and then only writes; the client's messages are read and dropped.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	if s.cfg.noSocket {
		s.plain(w, http.StatusNotFound)
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	sid := r.URL.Query().Get("clientId")
	if sid == "" {
		sid = newID()
	}
	me := &socket{conn: conn}
	s.mu.Lock()
	s.sockets[sid] = me
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.sockets[sid] == me {
			delete(s.sockets, sid)
		}
		s.mu.Unlock()
		_ = conn.CloseNow()
	}()
	s.write(me, "status", map[string]any{"status": s.queueInfo(), "sid": sid})
	ctx := conn.CloseRead(r.Context())
	select {
	case <-ctx.Done():
	case <-s.done:
	}
}

// send writes an event to the socket of clientID, if it is connected (ComfyUI drops messages
// for clients that are not).
func (s *Server) send(clientID, event string, data map[string]any) {
	s.mu.Lock()
	sock := s.sockets[clientID]
	s.mu.Unlock()
	if sock != nil {
		s.write(sock, event, data)
	}
}

// sendBinary writes a binary frame to the socket of clientID, if it is connected.
func (s *Server) sendBinary(clientID string, frame []byte) {
	s.mu.Lock()
	sock := s.sockets[clientID]
	s.mu.Unlock()
	if sock != nil {
		ctx, cancel := s.writeContext()
		defer cancel()
		_ = sock.conn.Write(ctx, websocket.MessageBinary, frame)
	}
}

// drop closes the socket of clientID, as a network failure would.
func (s *Server) drop(clientID string) {
	s.mu.Lock()
	sock := s.sockets[clientID]
	delete(s.sockets, clientID)
	s.mu.Unlock()
	if sock != nil {
		_ = sock.conn.CloseNow()
	}
}

// broadcastStatus sends the queue status to every socket, as ComfyUI does when the queue changes.
func (s *Server) broadcastStatus() {
	s.mu.Lock()
	socks := make([]*socket, 0, len(s.sockets))
	for _, sock := range s.sockets {
		socks = append(socks, sock)
	}
	s.mu.Unlock()
	info := s.queueInfo()
	for _, sock := range socks {
		s.write(sock, "status", map[string]any{"status": info})
	}
}

func (s *Server) queueInfo() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	remaining := len(s.queue)
	if s.running != nil {
		remaining++
	}
	return map[string]any{"exec_info": map[string]any{"queue_remaining": remaining}}
}

func (s *Server) write(sock *socket, event string, data map[string]any) {
	msg, err := json.Marshal(map[string]any{"type": event, "data": data})
	if err != nil {
		panic(fmt.Sprintf("comfyfake: encode %s: %v", event, err))
	}
	ctx, cancel := s.writeContext()
	defer cancel()
	_ = sock.conn.Write(ctx, websocket.MessageText, msg)
}

// writeContext bounds a write by writeTimeout; at cleanup the handlers close their sockets,
// which ends a blocked write sooner.
func (s *Server) writeContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), writeTimeout)
}

// newID returns a random UUID, as ComfyUI's prompt ids and sids are.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
