// Package sentryfake is a local Sentry ingestion endpoint for tests: it takes what the sentry-go
// client sends (POST /api/<project>/envelope/, an envelope of newline-separated JSON — its header,
// then each item's header and payload, the payload's length given or ending at a newline), checks
// the X-Sentry-Auth key, and keeps the events for the test to read.
package sentryfake

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Server is the fake. Its DSN names it.
type Server struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []map[string]any
	// raw are the events as sent, for checks that no text leaked anywhere in them.
	raw     []string
	arrived chan struct{}
}

// Key and Project are what the DSN carries.
const (
	Key     = "0123456789abcdef0123456789abcdef"
	Project = "42"
)

// New starts the fake; it stops when t ends.
func New(t testing.TB) *Server {
	s := &Server{arrived: make(chan struct{}, 1024)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.srv.Close)
	return s
}

// DSN is the DSN a client reports to this fake with.
func (s *Server) DSN() string {
	return strings.Replace(s.srv.URL, "http://", "http://"+Key+"@", 1) + "/" + Project
}

// Arrived is signalled once per event received.
func (s *Server) Arrived() <-chan struct{} { return s.arrived }

// Events are the events received, decoded, and as sent.
func (s *Server) Events() ([]map[string]any, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.events...), append([]string(nil), s.raw...)
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/"+Project+"/envelope/" {
		http.Error(w, `{"detail":"not found"}`, http.StatusNotFound)
		return
	}
	if !strings.Contains(r.Header.Get("X-Sentry-Auth"), "sentry_key="+Key) {
		http.Error(w, `{"detail":"bad key"}`, http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rd := bufio.NewReader(bytes.NewReader(body))
	if _, err := rd.ReadBytes('\n'); err != nil { // the envelope's header
		http.Error(w, `{"detail":"no envelope header"}`, http.StatusBadRequest)
		return
	}
	for {
		line, err := rd.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) == 0 {
			if err != nil {
				break
			}
			continue
		}
		var item struct {
			Type   string `json:"type"`
			Length int    `json:"length"`
		}
		if json.Unmarshal(line, &item) != nil {
			http.Error(w, `{"detail":"bad item header"}`, http.StatusBadRequest)
			return
		}
		var payload []byte
		if item.Length > 0 {
			payload = make([]byte, item.Length)
			if _, err := io.ReadFull(rd, payload); err != nil {
				http.Error(w, `{"detail":"short item"}`, http.StatusBadRequest)
				return
			}
		} else {
			payload, _ = rd.ReadBytes('\n')
		}
		if item.Type == "event" {
			var ev map[string]any
			if json.Unmarshal(payload, &ev) != nil {
				http.Error(w, `{"detail":"bad event"}`, http.StatusBadRequest)
				return
			}
			s.mu.Lock()
			s.events = append(s.events, ev)
			s.raw = append(s.raw, string(payload))
			s.mu.Unlock()
			s.arrived <- struct{}{}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"id":"00000000000000000000000000000000"}`))
}
