// Package webhookfake is a local webhook receiver for the webhook notifier (adapter/webhook),
// written the way a careful receiver is: it verifies every delivery's signature with the secret it
// is given — its own implementation of the scheme, not the adapter's Verify, so that the two check
// each other — refuses stale timestamps, decodes the event strictly (an unknown field is a 400,
// so nothing beyond the documented event gets through unnoticed), and records what it received.
//
// What it answers, at URL():
//   - 404 elsewhere, 405 to anything but POST, 413 to a body over 1 MiB;
//   - 401 {"error":"invalid signature"} when X-CompanionHub-Signature is missing, does not match,
//     or is dated further than the tolerance (5 minutes unless WithTolerance) from now;
//   - 400 {"error":…} when the Content-Type is not JSON, the event header is not
//     companion.wrote_first, the delivery header is missing or is not the event's id, or the body
//     is not the event;
//   - otherwise what its Script says (Behaviour), and by default 200 {"ok":true}. A delivery id
//     seen before is answered 200 again and recorded as a Duplicate, as an idempotent receiver
//     does.
package webhookfake

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// Path is where the receiver listens, under the server's root.
const Path = "/hooks/companionhub"

// DefaultTolerance is how far a signature's timestamp may be from the receiver's clock.
const DefaultTolerance = 5 * time.Minute

// Server is the receiver. It is safe for concurrent use; every method may be called while
// requests are in flight.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed at cleanup so that slow or hanging answers stop at once

	secret    string
	tolerance time.Duration
	fallback  Behaviour

	script   fakehttp.Script[Behaviour]
	requests fakehttp.Log[Request]

	mu   sync.Mutex
	seen map[string]bool // delivery ids answered with success
}

// Option configures a Server.
type Option func(*Server)

// WithTolerance sets how far a signature's timestamp may be from now (DefaultTolerance otherwise).
func WithTolerance(d time.Duration) Option { return func(s *Server) { s.tolerance = d } }

// WithBehaviour sets how requests are answered once the script is used up (success otherwise).
func WithBehaviour(b Behaviour) Option { return func(s *Server) { s.fallback = b } }

// New starts a receiver that verifies signatures with secret; t closes it when it ends.
func New(t testing.TB, secret string, opts ...Option) *Server {
	t.Helper()
	s := &Server{secret: secret, tolerance: DefaultTolerance, done: make(chan struct{}), seen: map[string]bool{}}
	for _, o := range opts {
		o(s)
	}
	s.srv = httptest.NewServer(s)
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// URL is the receiver's endpoint, what the notifier is configured with.
func (s *Server) URL() string { return s.srv.URL + Path }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues behaviours for the next requests to the endpoint, one each, after any already
// queued: Script(Fail(500)) makes the next request fail and the one after succeed.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// Requests returns every request to the endpoint so far, oldest first, with what it was answered
// (Status is 0 while it is being answered, and stays 0 for one the client left).
func (s *Server) Requests() []Request { return s.requests.All() }

// Deliveries returns the events the receiver took (answered 2xx), oldest first; a retried
// delivery it had already taken is among them with Duplicate set.
func (s *Server) Deliveries() []Request {
	var out []Request
	for _, r := range s.requests.All() {
		if r.Status >= 200 && r.Status <= 299 {
			out = append(out, r)
		}
	}
	return out
}

// Arrived returns a channel closed once n requests have reached the endpoint (at once when they
// have), so that a test can wait for one to be in the receiver's hands without polling.
func (s *Server) Arrived(n int) <-chan struct{} { return s.requests.Arrived(n) }

// Request is one request to the endpoint as the receiver saw it.
type Request struct {
	Header http.Header
	// Body is the raw body.
	Body []byte
	// Signed: the signature matched the body under the secret, within the tolerance.
	Signed bool
	// Event is the decoded body; nil when it was not the event.
	Event *Event
	// Delivery is the X-CompanionHub-Delivery header.
	Delivery string
	// Status is what the receiver answered.
	Status int
	// Duplicate: a delivery with this id had already been taken.
	Duplicate bool
}

// Event is the body of a delivery, as the notifier documents it.
type Event struct {
	Type       string    `json:"type"`
	ID         string    `json:"id"`
	At         string    `json:"at"`
	User       User      `json:"user"`
	Companion  Companion `json:"companion"`
	ScheduleID string    `json:"schedule_id"`
	TurnID     string    `json:"turn_id"`
	Due        string    `json:"due"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	URL        string    `json:"url"`
}

// User is the person an event is for.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// Companion is who wrote.
type Companion struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
