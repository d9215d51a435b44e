package webhookfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// maxBody bounds request bodies as a receiver behind a proxy would.
const maxBody = 1 << 20

// ServeHTTP answers the endpoint; every other path is 404.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path != Path:
		fakehttp.WriteJSON(w, http.StatusNotFound, errorBody("not found"))
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		fakehttp.WriteJSON(w, http.StatusMethodNotAllowed, errorBody("method not allowed"))
	default:
		s.receive(w, r)
	}
}

func errorBody(msg string) map[string]string { return map[string]string{"error": msg} }

// receive checks, records and answers one request to the endpoint.
func (s *Server) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	req := Request{Header: r.Header.Clone(), Body: body, Delivery: r.Header.Get("X-CompanionHub-Delivery")}
	req.Signed = err == nil && s.verify(r.Header.Get("X-CompanionHub-Signature"), body, time.Now())
	var ev Event
	if err == nil && decodeStrict(body, &ev) == nil {
		req.Event = &ev
	}

	s.mu.Lock() // the nth request recorded gets the nth behaviour
	i := s.requests.Add(req)
	b := s.script.Next(s.fallback)
	s.mu.Unlock()

	status, answer, dup := s.decide(w, r, req, b)
	// Recorded before the answer is written, so that a client that got it sees it recorded.
	s.requests.Update(i, func(r *Request) { r.Status, r.Duplicate = status, dup })
	if status != 0 {
		fakehttp.WriteJSON(w, status, answer)
	}
}

// decide returns the answer to req — its status (0 when the client left first), its body, and
// whether it takes a delivery taken before — and sets its headers.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, req Request, b Behaviour) (int, any, bool) {
	reject := func(status int, msg string) (int, any, bool) { return status, errorBody(msg), false }
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case len(req.Body) > maxBody:
		return reject(http.StatusRequestEntityTooLarge, "body too large")
	case !req.Signed:
		return reject(http.StatusUnauthorized, "invalid signature")
	case mediaType != "application/json":
		return reject(http.StatusBadRequest, "want application/json")
	case r.Header.Get("X-CompanionHub-Event") != "companion.wrote_first":
		return reject(http.StatusBadRequest, "unknown event")
	case req.Event == nil:
		return reject(http.StatusBadRequest, "the body is not the event")
	case req.Delivery == "" || req.Delivery != req.Event.ID:
		return reject(http.StatusBadRequest, "the delivery header is not the event's id")
	}
	if b.Hang {
		fakehttp.Hang(r, s.done)
		return 0, nil, false
	}
	if !fakehttp.Wait(r, s.done, b.Delay) {
		return 0, nil, false
	}
	if b.RetryAfter != "" {
		w.Header().Set("Retry-After", b.RetryAfter)
	}
	if b.Location != "" {
		w.Header().Set("Location", b.Location)
	}
	if b.Status != 0 && (b.Status < 200 || b.Status > 299) {
		detail := b.Detail
		if detail == "" {
			detail = http.StatusText(b.Status)
		}
		return reject(b.Status, detail)
	}
	s.mu.Lock()
	dup := s.seen[req.Delivery]
	s.seen[req.Delivery] = true
	s.mu.Unlock()
	return http.StatusOK, map[string]bool{"ok": true}, dup
}

// decodeStrict decodes one JSON value with no unknown fields and nothing after it.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return io.ErrUnexpectedEOF
	}
	return nil
}

// verify checks header ("t=…,v1=…[,v1=…]") against body, as a receiver following the
// notifier's documentation would write it.
func (s *Server) verify(header string, body []byte, now time.Time) bool {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(part, "=")
		switch {
		case !ok:
		case k == "t":
			ts = v
		case k == "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return false
	}
	if d := now.Sub(time.Unix(sec, 0)); d > s.tolerance || d < -s.tolerance {
		return false
	}
	m := hmac.New(sha256.New, []byte(s.secret))
	m.Write([]byte(ts + "." + string(body)))
	want := m.Sum(nil)
	for _, sig := range sigs {
		if got, err := hex.DecodeString(sig); err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}
