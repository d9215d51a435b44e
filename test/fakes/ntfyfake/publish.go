package ntfyfake

import (
	"crypto/rand"
	"io"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// topicPath is ntfy's topicPathRegex; rfc9218Priority matches the Priority header values of RFC
// 9218 that proxies set and ntfy ignores (its priorityHeaderIgnoreRegex).
var (
	topicPath       = regexp.MustCompile(`^/[-_A-Za-z0-9]{1,64}$`)
	rfc9218Priority = regexp.MustCompile(`^u=\d,\s*(i|\d)$|^u=\d$`)
)

// ntfyError is ntfy's error body, and its errors.
type ntfyError struct {
	Code    int    `json:"code"`
	HTTP    int    `json:"http"`
	Message string `json:"error"`
	Link    string `json:"link,omitempty"`
}

var (
	errNotFound          = ntfyError{40401, 404, "page not found", ""}
	errUnauthorized      = ntfyError{40101, 401, "unauthorized", "https://ntfy.sh/docs/publish/#authentication"}
	errForbidden         = ntfyError{40301, 403, "forbidden", "https://ntfy.sh/docs/publish/#authentication"}
	errTooManyRequests   = ntfyError{42901, 429, "limit reached: too many requests, please be nice", "https://ntfy.sh/docs/publish/#limitations"}
	errPriorityInvalid   = ntfyError{40007, 400, "invalid priority parameter", "https://ntfy.sh/docs/publish/#message-priority"}
	errTopicDisallowed   = ntfyError{40010, 400, "invalid request: topic name is disallowed", ""}
	errAttachmentsDenied = ntfyError{40014, 400, "invalid request: attachments not allowed", "https://ntfy.sh/docs/config/#attachments"}
	errInternal          = ntfyError{50001, 500, "internal server error", ""}
)

// errorFor is ntfy's error for a scripted status.
func errorFor(status int) ntfyError {
	for _, e := range []ntfyError{errNotFound, errUnauthorized, errForbidden, errTooManyRequests, errInternal} {
		if e.HTTP == status {
			return e
		}
	}
	return ntfyError{Code: status*100 + 1, HTTP: status, Message: strings.ToLower(http.StatusText(status))}
}

// writeError answers e as ntfy does: JSON and a newline.
func writeError(w http.ResponseWriter, e ntfyError) {
	fakehttp.WriteJSON(w, e.HTTP, e)
}

// ServeHTTP routes as ntfy does, for the parts the fake has.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case (r.Method == http.MethodPost || r.Method == http.MethodPut) && topicPath.MatchString(r.URL.Path):
		s.publish(w, r) // recorded, then checked (authentication first)
	case !s.authenticated(r):
		writeError(w, errUnauthorized)
	case r.Method == http.MethodGet && topicPath.MatchString(r.URL.Path):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!DOCTYPE html><html><head><title>ntfy web</title></head><body><div id=\"root\"></div></body></html>")
	default:
		writeError(w, errNotFound)
	}
}

// authenticated: the request sends no credentials, or the right ones, or the server has no access
// control (which ignores credentials).
func (s *Server) authenticated(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	return s.token == "" || auth == "" || auth == "Bearer "+s.token
}

// publish records, checks and answers one publication.
func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, MessageSizeLimit+1))
	req := Request{Topic: strings.TrimPrefix(r.URL.Path, "/"), Header: r.Header.Clone(), Body: body}

	s.mu.Lock() // the nth request recorded gets the nth behaviour
	i := s.requests.Add(req)
	b := s.script.Next(s.fallback)
	s.mu.Unlock()

	msg, e, ok := s.check(r, req)
	if ok {
		msg, e, ok = s.behave(w, r, b, msg)
	}
	switch {
	case !ok && e.HTTP == 0: // the client left, or the server closed
		return
	case !ok:
		s.requests.Update(i, func(r *Request) { r.Status, r.Code = e.HTTP, e.Code })
		writeError(w, e)
	case b.Page:
		s.requests.Update(i, func(r *Request) { r.Status = http.StatusOK })
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<html><body><h1>Welcome to the proxy</h1></body></html>")
	default:
		s.messages.Add(msg)
		// Recorded before the answer is written, so that a client that got it sees it recorded.
		s.requests.Update(i, func(r *Request) { r.Status, r.Message = http.StatusOK, &msg })
		fakehttp.WriteJSON(w, http.StatusOK, msg)
	}
}

// check runs ntfy's checks, in its order, and returns the message the request would publish.
func (s *Server) check(r *http.Request, req Request) (Message, ntfyError, bool) {
	switch {
	case !s.authenticated(r):
		return Message{}, errUnauthorized, false
	case slices.Contains(DisallowedTopics, req.Topic):
		return Message{}, errTopicDisallowed, false
	case s.limit != nil && !s.limit.allow(time.Now()):
		return Message{}, errTooManyRequests, false
	case s.token != "" && r.Header.Get("Authorization") == "":
		return Message{}, errForbidden, false
	}
	priority, ok := parsePriority(param(r, "x-priority", "priority", "prio", "p"))
	if !ok {
		return Message{}, errPriorityInvalid, false
	}
	if len(req.Body) > MessageSizeLimit || !utf8.Valid(req.Body) {
		return Message{}, errAttachmentsDenied, false
	}
	now := time.Now()
	msg := Message{
		ID: newID(), Time: now.Unix(), Expires: now.Add(CacheDuration).Unix(), Event: "message", Topic: req.Topic,
		Title: param(r, "x-title", "title", "t"), Message: strings.TrimSpace(string(req.Body)), Priority: priority,
		Tags: tags(param(r, "x-tags", "tags", "tag", "ta")), Click: param(r, "x-click", "click"),
	}
	if msg.Message == "" {
		msg.Message = "triggered"
	}
	return msg, ntfyError{}, true
}

// behave applies a scripted behaviour; ok is false with a zero error when the client left.
func (s *Server) behave(w http.ResponseWriter, r *http.Request, b Behaviour, msg Message) (Message, ntfyError, bool) {
	if b.Hang {
		fakehttp.Hang(r, s.done)
		return msg, ntfyError{}, false
	}
	if !fakehttp.Wait(r, s.done, b.Delay) {
		return msg, ntfyError{}, false
	}
	if b.RetryAfter != "" {
		w.Header().Set("Retry-After", b.RetryAfter)
	}
	if b.Status != 0 && b.Status != http.StatusOK {
		e := errorFor(b.Status)
		if b.Detail != "" {
			e.Message = b.Detail
		}
		return msg, e, false
	}
	return msg, ntfyError{}, true
}

// param reads a parameter as ntfy's readParam does: the first header of names that is set
// (RFC 2047 encoded words decoded), else the first query parameter.
func param(r *http.Request, names ...string) string {
	var dec mime.WordDecoder
	for _, name := range names {
		v := r.Header.Get(name)
		if decoded, err := dec.DecodeHeader(v); err == nil {
			v = decoded
		}
		if strings.EqualFold(name, "priority") && rfc9218Priority.MatchString(strings.TrimSpace(v)) {
			v = "" // RFC 9218's Priority, set by proxies: ntfy ignores it
		}
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	q := r.URL.Query()
	for _, name := range names {
		if v := strings.TrimSpace(q.Get(name)); v != "" {
			return v
		}
	}
	return ""
}

// parsePriority is ntfy's util.ParsePriority: 0 when absent.
func parsePriority(p string) (int, bool) {
	switch strings.ToLower(p) {
	case "":
		return 0, true
	case "1", "min":
		return 1, true
	case "2", "low":
		return 2, true
	case "3", "default":
		return 3, true
	case "4", "high":
		return 4, true
	case "5", "max", "urgent":
		return 5, true
	}
	return 0, false
}

func tags(s string) []string {
	var out []string
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// newID is a random message id as ntfy makes them: 12 letters and digits.
func newID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
