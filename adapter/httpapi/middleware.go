package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/internal/spans"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/incident"
	"github.com/companionhub/companionhub/usecase/logkey"
)

// reqInfo is filled in as a request travels through the stack and read back by the outer layers
// (access log, metrics) after the handler returns.
type reqInfo struct {
	id       string
	route    string
	clientIP string
	tls      bool // the client reached us over TLS (directly, or per a trusted proxy)
}

type reqInfoKey struct{}

func infoFrom(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

func requestIDFrom(ctx context.Context) string { return infoFrom(ctx).id }

// statusWriter records what a handler wrote, for the access log and metrics. It forwards Flush and
// exposes Unwrap so http.ResponseController reaches the real writer (needed by streaming handlers).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,128}$`)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// observe is the outermost layer: it assigns the correlation id (accepting a well-formed
// X-Request-ID from the client or a proxy), resolves the client address, recovers panics, and writes
// the access log line and the request metrics once the handler is done.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: r.Header.Get("X-Request-ID"), route: "unmatched", clientIP: s.proxies.clientIP(r)}
		if !requestIDPattern.MatchString(ri.id) {
			ri.id = newRequestID()
		}
		ri.tls = r.TLS != nil || (s.proxies.peerIsTrusted(r) && r.Header.Get("X-Forwarded-Proto") == "https")
		w.Header().Set("X-Request-ID", ri.id)
		ctx := correlation.WithRequestID(context.WithValue(r.Context(), reqInfoKey{}, ri), ri.id)
		ctx, span := s.startSpan(ctx, r, ri.id)
		var traced []zap.Field
		if span != nil {
			traced = spans.LogFields(ctx)
		}
		sw := &statusWriter{ResponseWriter: w}
		s.metrics.inFlight.Inc()
		defer func() {
			s.metrics.inFlight.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					if span != nil {
						span.End()
					}
					panic(p)
				}
				stack := debug.Stack()
				s.log.Error("panic serving request", append([]zap.Field{zap.String(logkey.RequestID, ri.id), zap.String(logkey.Route, ri.route),
					zap.String(logkey.Panic, fmt.Sprint(p)), zap.ByteString(logkey.Stack, stack)}, traced...)...)
				if s.reporter != nil {
					s.reporter.Report(ctx, incident.Report{Err: fmt.Errorf("%v", p), Panic: true, Stack: stack, Where: ri.route,
						RequestID: ri.id})
				}
				if sw.status == 0 {
					writeError(sw, r.WithContext(ctx), domain.Errorf(domain.KindInternal, "panic"))
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			took := time.Since(start)
			s.metrics.observe(methodLabel(r.Method), ri.route, sw.status, took)
			if span != nil {
				endSpan(span, ri.route, sw.status)
			}
			s.log.Info("request", append([]zap.Field{
				zap.String(logkey.RequestID, ri.id), zap.String(logkey.Method, r.Method), zap.String(logkey.Route, ri.route),
				zap.String(logkey.Path, r.URL.Path), zap.Int(logkey.Status, sw.status), zap.Int64(logkey.Bytes, sw.bytes),
				zap.Duration(logkey.Duration, took), zap.String(logkey.ClientIP, ri.clientIP)}, traced...)...)
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}

// methodLabel keeps the metrics' method label bounded: clients can send any method name.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

// secure sets the security headers every response carries. Body limits are per route (wrapRoute).
func (s *Server) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", s.cfg.ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		// Behind a TLS proxy (an https public URL) too: browsers heed the header only over HTTPS.
		if infoFrom(r.Context()).tls || s.secureCk {
			h.Set("Strict-Transport-Security", "max-age="+strconv.Itoa(int(s.cfg.HSTSMaxAge/time.Second))+"; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// sameOrigin refuses cross-origin unsafe requests from browsers (CSRF), using Sec-Fetch-Site and
// Origin. Requests that carry an Authorization header are exempt: browsers cannot attach one to a
// cross-site request without a CORS preflight this server never grants, and such requests are then
// authenticated by that header alone — never by the cookie.
func (s *Server) sameOrigin(next http.Handler) http.Handler {
	checked := s.csrf.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		checked.ServeHTTP(w, r)
	})
}

func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, domain.E(domain.KindForbidden, "cross_origin", "cross-origin requests are not allowed"))
}
