// Package fakehttp is the plumbing the local fakes of provider APIs (openaifake, imagesfake,
// embedfake, speechfake, sttfake, elevenlabsfake, a1111fake, comfyfake) share: the queue of
// scripted behaviours, the log of what they received, the bearer-key check, the waits that end
// when the client leaves, and OpenAI's error body. What each fake answers — routes, validation,
// its own error cases, pictures and sounds — is its own, faithful to the API it stands in for.
package fakehttp

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Script is a fake's queue of behaviours B, one for each request it scripts, which falls back to a
// default once it is used up. The zero value is an empty script; it is safe for concurrent use.
type Script[B any] struct {
	mu    sync.Mutex
	queue []B
}

// Add queues bs after any already queued.
func (s *Script[B]) Add(bs ...B) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queue = append(s.queue, bs...)
}

// Next takes the first queued behaviour, or returns fallback when none is left.
func (s *Script[B]) Next(fallback B) B {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return fallback
	}
	b := s.queue[0]
	s.queue = s.queue[1:]
	return b
}

// Log records what a fake received, oldest first, for a test's assertions. The zero value is
// empty; it is safe for concurrent use.
type Log[T any] struct {
	mu      sync.Mutex
	items   []T
	waiters []waiter
}

// waiter is a channel closed once n items have arrived.
type waiter struct {
	n  int
	ch chan struct{}
}

// Add records v and returns its index.
func (l *Log[T]) Add(v T) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, v)
	l.waiters = slices.DeleteFunc(l.waiters, func(w waiter) bool {
		if len(l.items) >= w.n {
			close(w.ch)
			return true
		}
		return false
	})
	return len(l.items) - 1
}

// Update changes the item at index i (from Add), for what a fake learns after recording it.
func (l *Log[T]) Update(i int, f func(*T)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(&l.items[i])
}

// All returns a copy of the items, oldest first.
func (l *Log[T]) All() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.items)
}

// Arrived returns a channel closed once n items have been recorded (at once when they have), so
// that a test can wait for a request to be in a fake's hands — a hanging one, say — without
// polling.
func (l *Log[T]) Arrived(n int) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch := make(chan struct{})
	if len(l.items) >= n {
		close(ch)
		return ch
	}
	l.waiters = append(l.waiters, waiter{n: n, ch: ch})
	return ch
}

// Bearer checks "Authorization: Bearer key": ok when r carries it or key is empty (the fake asks
// for none). given is what r sent after "Bearer ", which fakes of APIs that quote a wrong key
// (OpenAI's 401 does) put in their answer, so that clients must redact it.
func Bearer(r *http.Request, key string) (given string, ok bool) {
	auth := r.Header.Get("Authorization")
	return strings.TrimPrefix(auth, "Bearer "), key == "" || auth == "Bearer "+key
}

// Wait blocks for d, and returns false early when the client leaves or done (a fake's, closed
// when the test ends) is closed, so that slow and hanging answers stop at once. A d of 0 or less
// does not wait.
func Wait(r *http.Request, done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-done:
		return false
	}
}

// Hang blocks until the client leaves or done is closed: a request that is never answered.
func Hang(r *http.Request, done <-chan struct{}) {
	select {
	case <-r.Context().Done():
	case <-done:
	}
}

// Oversized answers status with a body of contentType far beyond what a client should read
// whole: head, then filler repeated, then tail — at least n bytes in all, sent without a
// Content-Length so that the client learns the size only by reading. It stops when a write fails
// (the client stopped reading and closed the connection), the client leaves or done is closed,
// and returns the bytes written: a test tells a client that stopped at its bound (far fewer than
// n) from one that read everything (all of them).
func Oversized(w http.ResponseWriter, r *http.Request, done <-chan struct{}, status int, contentType, head, filler, tail string, n int64) int64 {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	chunk := []byte(strings.Repeat(filler, max(1, (64<<10)/max(len(filler), 1))))
	var written int64
	write := func(p []byte) bool {
		select {
		case <-r.Context().Done():
			return false
		case <-done:
			return false
		default:
		}
		k, err := w.Write(p)
		written += int64(k)
		return err == nil
	}
	if !write([]byte(head)) {
		return written
	}
	for written+int64(len(tail)) < n {
		if !write(chunk) {
			return written
		}
	}
	write([]byte(tail))
	return written
}

// WriteJSON answers status with v as its JSON body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// WriteOpenAIError answers an error in OpenAI's shape — {"error": {message, type, param, code}},
// param and code null when empty — which every OpenAI-compatible fake answers with.
func WriteOpenAIError(w http.ResponseWriter, status int, typ, code, param, message string) {
	null := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	WriteJSON(w, status, map[string]any{"error": map[string]any{
		"message": message, "type": typ, "param": null(param), "code": null(code),
	}})
}

// OpenAIErrorShape is the type, code and message OpenAI answers a status with (code "" when it
// sends null); a fake of one of its APIs handles its own cases first and falls back to this.
func OpenAIErrorShape(status int) (typ, code, msg string) {
	switch {
	case status == http.StatusBadRequest:
		return "invalid_request_error", "invalid_value", "Invalid value in request."
	case status == http.StatusUnauthorized:
		return "invalid_request_error", "invalid_api_key", "Incorrect API key provided."
	case status == http.StatusForbidden:
		return "invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported."
	case status == http.StatusNotFound:
		return "invalid_request_error", "model_not_found", "The model does not exist or you do not have access to it."
	case status == http.StatusTooManyRequests:
		return "requests", "rate_limit_exceeded", "Rate limit reached for requests per minute. Please try again later."
	case status == http.StatusServiceUnavailable:
		return "server_error", "engine_overloaded", "The engine is currently overloaded, please try again later."
	case status >= 500:
		return "server_error", "", "The server had an error while processing your request. Sorry about that!"
	default:
		return "invalid_request_error", "", http.StatusText(status)
	}
}
