package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/incident"
)

// bareServer has no use cases behind it: enough for what happens before a handler runs.
func bareServer(t *testing.T, mutate func(*Config)) (*Server, *observer.ObservedLogs, *prometheus.Registry) {
	t.Helper()
	cfg := DefaultConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	core, logs := observer.New(zap.DebugLevel)
	reg := prometheus.NewRegistry()
	s, err := New(cfg, Deps{Log: zap.New(core), Registry: reg})
	require.NoError(t, err)
	return s, logs, reg
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) errorPayload {
	t.Helper()
	var body errorBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
	return body.Error
}

func TestRequestIDIsEchoedOrMinted(t *testing.T) {
	t.Parallel()
	s, logs, _ := bareServer(t, nil)

	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-ID", "abc-123")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "abc-123", rec.Header().Get("X-Request-ID"))

	req = httptest.NewRequest("GET", "/healthz", nil)
	req.Header.Set("X-Request-ID", "bad id with spaces\n")
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	minted := rec.Header().Get("X-Request-ID")
	require.Regexp(t, `^[0-9a-f]{24}$`, minted)

	access := logs.FilterMessage("request").All()
	require.Len(t, access, 2)
	require.Equal(t, "abc-123", access[0].ContextMap()["request_id"])
	require.Equal(t, minted, access[1].ContextMap()["request_id"])
	require.Equal(t, "GET /healthz", access[1].ContextMap()["route"])
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	s, _, _ := bareServer(t, nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	h := rec.Header()
	require.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'none'")
	require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	require.Equal(t, "DENY", h.Get("X-Frame-Options"))
	require.NotEmpty(t, h.Get("Referrer-Policy"))
	require.Contains(t, h.Get("Permissions-Policy"), "camera=()")
	require.Empty(t, h.Get("Strict-Transport-Security"), "no HSTS over plain HTTP")

	req := httptest.NewRequest("GET", "https://hub.example/healthz", nil) // httptest sets r.TLS for https
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Contains(t, rec.Header().Get("Strict-Transport-Security"), "max-age=")
}

func TestHSTSBehindATrustedProxyOnly(t *testing.T) {
	t.Parallel()
	s, _, _ := bareServer(t, func(c *Config) { c.TrustedProxies = []string{"10.0.0.0/8"} })
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.RemoteAddr = "10.1.2.3:4444"
	req.Header.Set("X-Forwarded-Proto", "https")
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.NotEmpty(t, rec.Header().Get("Strict-Transport-Security"))

	req.RemoteAddr = "203.0.113.5:4444" // not a proxy: its claim is ignored
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Empty(t, rec.Header().Get("Strict-Transport-Security"))
}

// TestHSTSWithAnHTTPSPublicURL: a hub whose public address is https is behind a TLS proxy, named
// or not: every answer asks browsers to keep to HTTPS; without trusted proxies it warns at start
// that clients will all be seen as the proxy.
func TestHSTSWithAnHTTPSPublicURL(t *testing.T) {
	t.Parallel()
	s, logs, _ := bareServer(t, func(c *Config) { c.PublicURL = "https://hub.example" })
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	require.Contains(t, rec.Header().Get("Strict-Transport-Security"), "max-age=")
	require.Equal(t, 1, logs.FilterMessageSnippet("COMPANIONHUB_TRUSTED_PROXIES").Len())

	_, logs, _ = bareServer(t, func(c *Config) { c.PublicURL, c.TrustedProxies = "https://hub.example", []string{"10.0.0.1"} })
	require.Zero(t, logs.FilterMessageSnippet("COMPANIONHUB_TRUSTED_PROXIES").Len(), "named: nothing to warn of")
}

func TestUnknownRoutesAndMethodsAnswerJSON(t *testing.T) {
	t.Parallel()
	s, _, _ := bareServer(t, nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/nope", nil))
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, "not_found", decodeError(t, rec).Code)

	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("DELETE", "/healthz", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.Contains(t, rec.Header().Get("Allow"), "GET")
	e := decodeError(t, rec)
	require.Equal(t, "invalid", e.Code)
	require.Equal(t, reasonMethodNotAllowed, e.Details.Reason)
}

func TestCrossSiteUnsafeRequestsAreRefused(t *testing.T) {
	t.Parallel()
	s, _, _ := bareServer(t, nil)
	req := httptest.NewRequest("POST", "/api/v1/auth/logout", strings.NewReader("{}"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(&http.Cookie{Name: "companionhub_session", Value: "chs_x"})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Equal(t, "cross_origin", decodeError(t, rec).Details.Reason)

	req = httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader("{}"))
	req.Header.Set("Origin", "https://evil.example")
	req.Host = "hub.example"
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusForbidden, rec.Code, "login CSRF is refused too")

	// A bearer request passes the origin check (it is then authenticated by the bearer only; this
	// server has no use cases behind it, so the request goes no further than that).
	req = httptest.NewRequest("POST", "/api/v1/auth/register", strings.NewReader("{"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Authorization", "Bearer not-a-token")
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusBadRequest, rec.Code, "reached the handler, which refused the malformed body")
	require.Equal(t, "malformed_json", decodeError(t, rec).Details.Reason)
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	s, _, _ := bareServer(t, func(c *Config) { c.MaxBodyBytes = 2048 })
	req := httptest.NewRequest("POST", "/api/v1/auth/login", bytes.NewReader(make([]byte, 4096)))
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	require.Equal(t, reasonBodyTooLarge, decodeError(t, rec).Details.Reason)
}

func TestPanicsBecome500AndAreLogged(t *testing.T) {
	t.Parallel()
	s, logs, _ := bareServer(t, nil)
	reports := &recordedReports{}
	s.reporter = reports
	h := s.observe(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	e := decodeError(t, rec)
	require.Equal(t, "internal", e.Code)
	require.NotContains(t, rec.Body.String(), "kaboom", "panic values stay in the log")
	require.Equal(t, 1, logs.FilterMessage("panic serving request").Len())
	require.Len(t, reports.got, 1, "and are reported")
	r := reports.got[0]
	require.True(t, r.Panic)
	require.EqualError(t, r.Err, "kaboom")
	require.Contains(t, string(r.Stack), "TestPanicsBecome500AndAreLogged", "the panicking goroutine's stack")
	require.Equal(t, rec.Header().Get("X-Request-ID"), r.RequestID)
}

// recordedReports keeps the reports it is given.
type recordedReports struct {
	mu  sync.Mutex
	got []incident.Report
}

func (r *recordedReports) Report(_ context.Context, rep incident.Report) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rep)
}

func TestErrorTableCoversEveryKind(t *testing.T) {
	t.Parallel()
	for _, k := range domain.Kinds() {
		status, ok := statusByKind[k]
		require.True(t, ok, k.String())
		rec := httptest.NewRecorder()
		writeError(rec, httptest.NewRequest("GET", "/", nil), domain.E(k, "some_reason", "safe message"))
		require.Equal(t, status, rec.Code)
		e := decodeError(t, rec)
		require.Equal(t, k.String(), e.Code)
		require.NotEmpty(t, e.Message)
	}
}

func TestErrorsNeverLeakCauses(t *testing.T) {
	t.Parallel()
	cause := errors.New(`pq: duplicate key value violates unique constraint "users_email_key" (email)=(a@b.c)`)
	for _, err := range []error{cause, domain.Errorf(domain.KindInternal, "insert: %w", cause),
		domain.Errorf(domain.KindUnavailable, "dial: %w", cause)} {
		rec := httptest.NewRecorder()
		writeError(rec, httptest.NewRequest("GET", "/", nil), err)
		require.NotContains(t, rec.Body.String(), "pq:")
		require.NotContains(t, rec.Body.String(), "a@b.c")
	}
	rec := httptest.NewRecorder()
	writeError(rec, httptest.NewRequest("GET", "/", nil),
		domain.E(domain.KindRateLimited, "rate_limited", "slow down").WithRetryAfter(1500*time.Millisecond))
	require.Equal(t, "2", rec.Header().Get("Retry-After"), "rounded up")
	require.Equal(t, 2, decodeError(t, rec).Details.RetryAfterSeconds)
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	t.Parallel()
	s, _, reg := bareServer(t, nil)
	for range 3 {
		s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))
	}
	s.Handler().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/healthz", nil))
	require.Equal(t, 3.0, testutil.ToFloat64(s.metrics.requests.WithLabelValues("GET", "GET /healthz", "200")))
	require.Equal(t, 1.0, testutil.ToFloat64(s.metrics.requests.WithLabelValues("OTHER", "unmatched", "405")))

	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Contains(t, rec.Body.String(), `companionhub_http_requests_total{method="GET",route="GET /healthz",status="200"} 3`)
	_ = reg
}

// Over HTTPS only the __Host- cookie authenticates: a plain one may have been planted by a sibling
// subdomain.
func TestHTTPSSessionsUseTheHostPrefixedCookie(t *testing.T) {
	t.Parallel()
	s, _, _ := bareServer(t, nil)
	req := httptest.NewRequest("GET", "https://hub.example/api/v1/me", nil)
	req.AddCookie(&http.Cookie{Name: "companionhub_session", Value: "chs_planted"})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Equal(t, "__Host-companionhub_session", s.cookieName(req.WithContext(withTLSInfo(req))))
}

func withTLSInfo(r *http.Request) context.Context {
	return context.WithValue(r.Context(), reqInfoKey{}, &reqInfo{tls: true})
}

// Paths the mux would clean first (empty, "." or ".." segments) are a JSON 404 like any unknown
// path, under /media and /api alike — never the mux's HTML redirect.
func TestOddPathsAnswerTheJSONNotFound(t *testing.T) {
	t.Parallel()
	s, _, _ := bareServer(t, nil)
	for _, path := range []string{"/media//x", "/media/a/../b", "/media/a/./b", "/media/a/b/c", "/media/a", "/media/a/b/",
		"/api/v1//me", "/api/v1/./me", "/api/v1/x/../me", "//healthz"} {
		for _, method := range []string{"GET", "POST"} {
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
			require.Equal(t, http.StatusNotFound, rec.Code, "%s %s", method, path)
			require.Empty(t, rec.Header().Get("Location"), "%s %s", method, path)
			require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"), "%s %s", method, path)
			e := decodeError(t, rec)
			require.Equal(t, "not_found", e.Code, "%s %s", method, path)
			require.Equal(t, "no_route", e.Details.Reason, "%s %s", method, path)
		}
	}
}

// rawRequest sends a GET whose request line and header fields take exactly size bytes on the wire
// (what the standard library and limitHeaders count) and returns the response.
func rawRequest(t *testing.T, addr string, size int) *http.Response {
	t.Helper()
	head := "GET /healthz HTTP/1.1\r\nHost: hub.test\r\n"
	pad := size - len(head) - len("X-Pad: \r\n")
	require.Positive(t, pad)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	_, err = io.WriteString(conn, head+"X-Pad: "+strings.Repeat("a", pad)+"\r\n\r\n")
	require.NoError(t, err)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = res.Body.Close() })
	return res
}

// Headers over the documented limit are answered 431 in JSON, even though net/http reads headers
// before any handler runs: its own cap (headerHardCap) is set well above the limit. Beyond that cap
// net/http answers by itself, in plain text — the documented exception.
func TestOversizedHeadersAnswer431InJSON(t *testing.T) {
	t.Parallel()
	s, _, _ := bareServer(t, nil)
	srv := s.HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	res := rawRequest(t, ln.Addr().String(), maxHeaderBytes)
	require.Equal(t, http.StatusOK, res.StatusCode, "exactly the limit is allowed")

	res = rawRequest(t, ln.Addr().String(), maxHeaderBytes+1)
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode)
	require.Equal(t, "application/json; charset=utf-8", res.Header.Get("Content-Type"))
	var body errorBody
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	require.Equal(t, "invalid", body.Error.Code)
	require.Equal(t, reasonHeadersTooLarge, body.Error.Details.Reason)
	require.NotEmpty(t, body.Error.Details.RequestID)

	res = rawRequest(t, ln.Addr().String(), headerHardCap+8<<10)
	require.Equal(t, http.StatusRequestHeaderFieldsTooLarge, res.StatusCode, "net/http's own refusal beyond the hard cap")
}

// Too large is one answer whichever layer notices: the body limit, or the image pipeline's own.
func TestTooLargeIsOneAnswer(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		domain.E(domain.KindInvalid, reasonBodyTooLarge, "the request body is too large"),
		domain.E(domain.KindInvalid, "image_too_large", "the image is larger than 5 MB"),
	} {
		rec := httptest.NewRecorder()
		writeError(rec, httptest.NewRequest("PUT", "/", nil), err)
		require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
		e := decodeError(t, rec)
		require.Equal(t, "invalid", e.Code)
		require.Equal(t, reasonBodyTooLarge, e.Details.Reason)
		require.Equal(t, domain.AsError(err).Message, e.Message, "the message still says which limit")
	}
}

// limit=0 is out of range like limit=-1 (only leaving limit out asks for the default).
func TestPageLimitMustBePositive(t *testing.T) {
	t.Parallel()
	for _, q := range []string{"limit=0", "limit=-1", "limit=101", "limit=", "limit=2.5", "limit=x"} {
		_, err := pageFrom(httptest.NewRequest("GET", "/api/v1/companions?"+q, nil))
		require.Equal(t, domain.KindInvalid, domain.KindOf(err), q)
		require.Equal(t, "limit", domain.Violations(err)[0].Field, q)
	}
	p, err := pageFrom(httptest.NewRequest("GET", "/api/v1/companions", nil))
	require.NoError(t, err)
	require.Equal(t, domain.DefaultPageLimit, p.Limit)
	p, err = pageFrom(httptest.NewRequest("GET", "/api/v1/companions?limit=1", nil))
	require.NoError(t, err)
	require.Equal(t, 1, p.Limit)
}
