// Package ntfyfake is a local stand-in for an ntfy server (https://ntfy.sh, github.com/binwiederhier/ntfy),
// faithful to the parts of its publishing API the ntfy notifier (adapter/ntfy) relies on, so that
// the notifier can talk HTTP to something that behaves — and misbehaves — like ntfy, without a
// network.
//
// What it speaks, in ntfy's order:
//   - Authentication (WithToken): an Authorization header, when sent, must be "Bearer <token>"
//     (401 {"code":40101,"http":401,"error":"unauthorized",…} otherwise). Without WithToken there
//     is no access control, as on ntfy.sh.
//   - PUT or POST /<topic>, topic names [-_A-Za-z0-9]{1,64}, publishes; GET /<topic> answers the
//     web app's page (200, HTML), as ntfy does; anything else is 404 {"code":40401,…}. ntfy's
//     reserved names (docs, static, file, app, metrics, account, settings, signup, login, v1) are
//     400 40010.
//   - The visitor's request limit (WithRequestLimit): a bucket of burst requests refilled one per
//     period; beyond it, 429 {"code":42901,"error":"limit reached: too many requests, please be
//     nice",…} without a Retry-After header, as ntfy answers.
//   - Access control (WithToken): publishing without the token is 403 {"code":40301,"error":"forbidden",…}.
//   - Parameters read as ntfy reads them, from headers (X-Title, Title, t; X-Click, Click;
//     X-Tags, Tags, tag, ta; X-Priority, Priority, prio, p — RFC 2047 encoded words decoded) or
//     else the query: a priority that is not 1–5 or min/low/default/high/max/urgent is 400 40007.
//   - The body is the message, trimmed ("triggered" when empty); one over 4096 bytes or not UTF-8
//     would be an attachment, which this server (like a self-hosted one without an attachment
//     cache) refuses: 400 40014.
//   - The answer is 200 with the message as JSON: {"id","time","expires","event":"message",
//     "topic","title","message","priority","tags","click"} (empty fields left out).
//
// Behaviours (Behaviour) script failures: the server answers its Script in order, one behaviour per
// publication that passed the checks above, then falls back to its default (WithBehaviour, else
// success). Every publish request is recorded (Requests; Arrived awaits them), and the messages
// published (Messages).
package ntfyfake

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// MessageSizeLimit is the longest body published as a message (ntfy's default).
const MessageSizeLimit = 4096

// CacheDuration is how long the server keeps messages (ntfy's default), which sets "expires".
const CacheDuration = 12 * time.Hour

// DisallowedTopics are the topic names ntfy reserves for its own pages.
var DisallowedTopics = []string{"docs", "static", "file", "app", "metrics", "account", "settings", "signup", "login", "v1"}

// Server is the fake ntfy. It is safe for concurrent use; every method may be called while
// requests are in flight.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed at cleanup so that slow or hanging answers stop at once

	token    string
	limit    *bucket
	fallback Behaviour

	script   fakehttp.Script[Behaviour]
	requests fakehttp.Log[Request]
	messages fakehttp.Log[Message]
	mu       sync.Mutex // orders recording and taking a behaviour
}

// Option configures a Server.
type Option func(*Server)

// WithToken turns access control on: only "Authorization: Bearer token" may publish.
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithRequestLimit limits the (single) visitor to burst requests, refilled one per period (ntfy's
// defaults are 60 and 5 s); requests beyond it are answered 429 42901.
func WithRequestLimit(burst int, period time.Duration) Option {
	return func(s *Server) { s.limit = newBucket(burst, period) }
}

// WithBehaviour sets how publications are answered once the script is used up.
func WithBehaviour(b Behaviour) Option { return func(s *Server) { s.fallback = b } }

// New starts a server that t closes when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{done: make(chan struct{})}
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

// URL is the server's root, the notifier's base URL.
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues behaviours for the next publications, one each, after any already queued.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// Requests returns every publish request (PUT or POST to a topic) so far, oldest first, with what
// it was answered (Status 0 while it is being answered, or when the client left first).
func (s *Server) Requests() []Request { return s.requests.All() }

// Messages returns the messages published, oldest first.
func (s *Server) Messages() []Message { return s.messages.All() }

// Arrived returns a channel closed once n publish requests have arrived (at once when they have),
// so that a test can wait for one to be in the server's hands without polling.
func (s *Server) Arrived(n int) <-chan struct{} { return s.requests.Arrived(n) }

// Request is one publish request as the server saw it.
type Request struct {
	Topic  string
	Header http.Header
	// Body is the raw body.
	Body []byte
	// Status is what the server answered; Code ntfy's error code (0 on success).
	Status, Code int
	// Message is what was published (nil when nothing was).
	Message *Message
}

// Message is a published message, as ntfy answers and stores it.
type Message struct {
	ID       string   `json:"id"`
	Time     int64    `json:"time"`
	Expires  int64    `json:"expires,omitempty"`
	Event    string   `json:"event"`
	Topic    string   `json:"topic"`
	Title    string   `json:"title,omitempty"`
	Message  string   `json:"message,omitempty"`
	Priority int      `json:"priority,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	Click    string   `json:"click,omitempty"`
}

// bucket is ntfy's visitor request limiter: burst tokens, one more every period.
type bucket struct {
	mu     sync.Mutex
	tokens float64
	burst  float64
	period time.Duration
	last   time.Time
}

func newBucket(burst int, period time.Duration) *bucket {
	return &bucket{tokens: float64(burst), burst: float64(burst), period: period, last: time.Now()}
}

// allow takes a token, if there is one.
func (b *bucket) allow(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.period > 0 {
		b.tokens = min(b.burst, b.tokens+float64(now.Sub(b.last))/float64(b.period))
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
