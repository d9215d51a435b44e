package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

// MetricsConfig says where /metrics is served and who may read it. By default it is served on the
// API's address to whoever reaches it: fine on a laptop, not on a hub facing the internet, where
// request counts by route, latencies and runtime details help an attacker. Either setting closes
// it; both may be set (a private port that still wants a token).
type MetricsConfig struct {
	// Addr, when set, serves /metrics on a listener of its own — a port the scraper reaches and the
	// public does not — and the API's address then answers it 404.
	Addr string `env:"METRICS_ADDR" help:"address of a listener serving /metrics alone (empty: /metrics is served on HTTP_ADDR)"`
	// Token, when set, is the bearer token /metrics requires wherever it is served.
	Token secret.String `env:"METRICS_TOKEN" help:"bearer token /metrics requires (empty: none)"`
}

// minMetricsToken is the shortest token accepted: a scraper's token is configured once, so there
// is no reason for one that can be guessed.
const minMetricsToken = 16

// validate checks the settings; apiAddr is the API's address, which Addr must not repeat.
func (c MetricsConfig) validate(apiAddr string) error {
	var errs []error
	if c.Addr != "" {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
			errs = append(errs, envflag.Fieldf("Metrics.Addr", "must be host:port or :port, got %q", c.Addr))
		} else if c.Addr == apiAddr && port != "0" {
			errs = append(errs, envflag.Fieldf("Metrics.Addr", "must differ from the HTTP address %q", apiAddr))
		}
	}
	if c.Token.IsSet() && len(c.Token.Reveal()) < minMetricsToken {
		errs = append(errs, envflag.Fieldf("Metrics.Token", "must be at least %d characters", minMetricsToken))
	}
	return errors.Join(errs...)
}

// reasonMetricsToken is the reason of a /metrics request without the configured token.
const reasonMetricsToken = "metrics_token_required"

// metricsHandler serves the registry, behind the bearer token when one is configured. The token is
// compared in constant time (as digests, so its length does not leak either).
func (s *Server) metricsHandler() http.Handler {
	h := promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry})
	if !s.cfg.Metrics.Token.IsSet() {
		return h
	}
	want := sha256.Sum256([]byte(s.cfg.Metrics.Token.Reveal()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := sha256.Sum256([]byte(bearerToken(r.Header.Get("Authorization"))))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 { // no Bearer token reads as "", never a set token
			writeError(w, r, domain.E(domain.KindUnauthenticated, reasonMetricsToken, "metrics require the metrics bearer token"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// MetricsHTTPServer is an *http.Server for GET /metrics alone, to serve on Metrics.Addr (nil when
// no separate address is configured). Other paths answer the JSON error shape.
func (s *Server) MetricsHTTPServer() *http.Server {
	if s.cfg.Metrics.Addr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	srv := s.HTTPServer()
	srv.Addr, srv.Handler = s.cfg.Metrics.Addr, jsonFallback(mux, nil)
	return srv
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newHTTPMetrics(reg prometheus.Registerer) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "companionhub", Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "companionhub", Subsystem: "http", Name: "request_duration_seconds",
			Help:    "HTTP request latency by method, route pattern and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "companionhub", Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.inFlight} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *httpMetrics) observe(method, route string, status int, took time.Duration) {
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, code).Inc()
	m.latency.WithLabelValues(method, route, code).Observe(took.Seconds())
}
