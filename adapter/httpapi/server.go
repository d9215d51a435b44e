// Package httpapi is the HTTP transport: a thin layer over the use cases on the standard library's
// ServeMux. Handlers decode, call a use case, encode; errors map to statuses in one table
// (errors.go); the OpenAPI document (openapi.json) is the contract and a test holds the routes to it.
package httpapi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/httpapi/web"
	"github.com/companionhub/companionhub/envflag"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/apitoken"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/incident"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/proactive"
	roomuc "github.com/companionhub/companionhub/usecase/room"
	"github.com/companionhub/companionhub/usecase/summary"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/userdata"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Config tunes the HTTP server. The env tags bind it flattened into the root configuration.
type Config struct {
	Addr string `env:"HTTP_ADDR" help:"address the HTTP server listens on"`
	// PublicURL is where users reach the hub; its origin is trusted for same-origin checks and an
	// https scheme marks cookies Secure even when TLS ends at a proxy.
	PublicURL string `env:"PUBLIC_URL" help:"URL users reach the hub at, e.g. https://hub.example.com"`
	// TrustedProxies are the peers whose X-Forwarded-For and X-Forwarded-Proto are believed.
	TrustedProxies    []string      `env:"TRUSTED_PROXIES" help:"comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For is trusted"`
	MaxBodyBytes      int64         `env:"HTTP_MAX_BODY_BYTES" help:"largest accepted JSON request body, in bytes"`
	MaxUploadBytes    int64         `env:"HTTP_MAX_UPLOAD_BYTES" help:"largest accepted upload (images, character cards), in bytes"`
	ReadHeaderTimeout time.Duration `env:"HTTP_READ_HEADER_TIMEOUT" help:"time allowed to read request headers"`
	ReadTimeout       time.Duration `env:"HTTP_READ_TIMEOUT" help:"time allowed to read a whole request"`
	WriteTimeout      time.Duration `env:"HTTP_WRITE_TIMEOUT" help:"time allowed to write a response (streams lift it)"`
	IdleTimeout       time.Duration `env:"HTTP_IDLE_TIMEOUT" help:"keep-alive idle timeout"`
	ShutdownTimeout   time.Duration `env:"SHUTDOWN_TIMEOUT" help:"time allowed for a graceful stop"`
	CookieName        string        `env:"SESSION_COOKIE_NAME" help:"name of the browser session cookie"`
	HSTSMaxAge        time.Duration `env:"HSTS_MAX_AGE" help:"Strict-Transport-Security max-age, sent over TLS and whenever the public URL is https"`
	SSEHeartbeat      time.Duration `env:"SSE_HEARTBEAT" help:"interval of keep-alive comments on idle event streams"`
	// Metrics says where /metrics is served and who may read it (metrics.go).
	Metrics MetricsConfig `envprefix:""`
	// ContentSecurityPolicy is fixed by the code that serves the pages, not by operators.
	ContentSecurityPolicy string `env:"-"`
}

// DefaultConfig listens on 127.0.0.1:8080 with conservative limits. Loopback, so that a hub started
// on a laptop is not reachable from the network; a deployment (a container, behind a proxy) names
// its address, e.g. COMPANIONHUB_HTTP_ADDR=:8080.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		MaxBodyBytes:      1 << 20,
		MaxUploadBytes:    20 << 20,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ShutdownTimeout:   20 * time.Second,
		CookieName:        "companionhub_session",
		HSTSMaxAge:        2 * 365 * 24 * time.Hour,
		SSEHeartbeat:      15 * time.Second,
		ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
			"media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; " +
			"form-action 'self'; frame-ancestors 'none'",
	}
}

// Validate checks every field; errors are envflag field errors, so they name the variable.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) { errs = append(errs, envflag.Fieldf(field, format, args...)) }
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("Addr", "must be host:port or :port, got %q", c.Addr)
	}
	if err := c.Metrics.validate(c.Addr); err != nil {
		errs = append(errs, err)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("PublicURL", "must be an absolute http(s) URL, got %q", c.PublicURL)
		}
	}
	if _, err := parseProxies(c.TrustedProxies); err != nil {
		bad("TrustedProxies", "%v", err)
	}
	if c.MaxBodyBytes < 1024 {
		bad("MaxBodyBytes", "must be at least 1024")
	}
	if c.MaxUploadBytes < 6<<20 {
		bad("MaxUploadBytes", "must be at least 6 MiB (a 5 MB picture in a form)")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"ReadHeaderTimeout", c.ReadHeaderTimeout}, {"ReadTimeout", c.ReadTimeout}, {"WriteTimeout", c.WriteTimeout},
		{"IdleTimeout", c.IdleTimeout}, {"ShutdownTimeout", c.ShutdownTimeout}, {"SSEHeartbeat", c.SSEHeartbeat}} {
		if d.v <= 0 {
			bad(d.name, "must be positive, got %s", d.v)
		}
	}
	if c.CookieName == "" || strings.ContainsAny(c.CookieName, " ;,=\t\"()<>@:/[]?{}") {
		bad("CookieName", "must be a valid cookie name, got %q", c.CookieName)
	}
	return errors.Join(errs...)
}

// Checker is one dependency /readyz checks.
type Checker struct {
	Name  string
	Check func(ctx context.Context) error
}

// Deps are what the HTTP transport serves.
type Deps struct {
	Accounts   *accountuc.App
	Companions *companionuc.App
	Media      *mediauc.App
	Chat       *chatuc.App
	Pictures   *pictureuc.App
	Memories   *memoryuc.App
	Summaries  *summary.App // nil: conversations have no summaries
	Voices     *voice.App   // nil: no voices to list or preview
	Community  *community.App
	Proactive  *proactive.App
	Tokens     *apitoken.App
	UserData   *userdata.App
	// Usage reports what providers did for a person (nil: no usage route).
	Usage *usage.App
	// Rooms are group chats (nil: no room routes answer).
	Rooms *roomuc.App
	// Reporter hears of panics serving requests (nil: only the logs do).
	Reporter incident.Reporter
	// Tracer makes a server span of every request, joining the caller's W3C traceparent (nil:
	// requests are not traced).
	Tracer trace.TracerProvider
	// Tokenizer estimates the tokens of what the OpenAI-compatible endpoint answers (usage; nil:
	// none are counted).
	Tokenizer chatuc.TokenCounter
	// ImageTimeout is the image backend's limit for one picture: a generation request may take
	// that long (0: the server's write timeout).
	ImageTimeout time.Duration
	Log          *zap.Logger
	Registry     *prometheus.Registry
	Checkers     []Checker
}

// Server is the HTTP API.
type Server struct {
	cfg        Config
	log        *zap.Logger
	accounts   *accountuc.App
	companions *companionuc.App
	media      *mediauc.App
	chat       *chatuc.App
	pictures   *pictureuc.App
	memories   *memoryuc.App
	summaries  *summary.App
	voices     *voice.App
	community  *community.App
	proactive  *proactive.App
	tokens     *apitoken.App
	userData   *userdata.App
	usage      *usage.App
	rooms      *roomuc.App
	reporter   incident.Reporter
	tracer     trace.Tracer // nil: requests are not traced
	tokenizer  chatuc.TokenCounter
	imageWait  time.Duration
	registry   *prometheus.Registry
	checkers   []Checker
	proxies    proxies
	csrf       *http.CrossOriginProtection
	metrics    *httpMetrics
	secureCk   bool
	handler    http.Handler
	routes     []route
	site       *web.Site
	draining   context.Context // ends with Drain
	drain      context.CancelFunc
}

// New builds the server and its routes.
func New(cfg Config, d Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	px, _ := parseProxies(cfg.TrustedProxies)
	m, err := newHTTPMetrics(d.Registry)
	if err != nil {
		return nil, fmt.Errorf("http metrics: %w", err)
	}
	s := &Server{cfg: cfg, log: d.Log, accounts: d.Accounts, companions: d.Companions, media: d.Media,
		chat: d.Chat, pictures: d.Pictures, memories: d.Memories, summaries: d.Summaries, voices: d.Voices, community: d.Community, proactive: d.Proactive, tokens: d.Tokens, userData: d.UserData, usage: d.Usage, rooms: cmp.Or(d.Rooms, roomuc.Unavailable()), reporter: d.Reporter, tokenizer: d.Tokenizer, imageWait: d.ImageTimeout, registry: d.Registry, checkers: d.Checkers,
		proxies: px, metrics: m, csrf: http.NewCrossOriginProtection()}
	if d.Tracer != nil {
		s.tracer = d.Tracer.Tracer(instrumentationName)
	}
	s.draining, s.drain = context.WithCancel(context.Background())
	if cfg.PublicURL != "" {
		u, _ := url.Parse(cfg.PublicURL)
		if err := s.csrf.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("trusted origin: %w", err)
		}
		s.secureCk = u.Scheme == "https"
		if s.secureCk && len(px.nets) == 0 {
			// The hub serves plain HTTP: an https address means a proxy in front, which must be named
			// for clients' own addresses to count (limits, lockouts, audit) rather than the proxy's.
			d.Log.Warn("the public URL is https but no trusted proxies are set: every client will be seen as the proxy's address, sharing its rate limits and login lockouts; set COMPANIONHUB_TRUSTED_PROXIES to the proxy's address")
		}
	}
	s.csrf.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	mux := http.NewServeMux()
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		mux.Handle(rt.pattern(), s.wrapRoute(rt))
	}
	if s.site, err = s.newSite(); err != nil {
		return nil, fmt.Errorf("web app: %w", err)
	}
	for _, rt := range pageRoutes(s.site) {
		mux.Handle(rt.pattern(), s.wrapRoute(rt))
	}
	s.handler = s.observe(s.secure(limitHeaders(s.sameOrigin(jsonFallback(mux, s.site.NotFound)))))
	return s, nil
}

// Handler is the whole HTTP surface with its middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// HTTPServer returns an *http.Server for the handler with the configured timeouts.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    headerHardCap, // the documented limit is limitHeaders', answered in JSON
	}
}

// Drain ends the long-lived responses (event streams) so that a graceful shutdown need not wait for
// them: their clients reconnect, to another replica or to this one restarted, and resume where they
// were. Register it with http.Server.RegisterOnShutdown.
func (s *Server) Drain() { s.drain() }

// ShutdownTimeout is how long a graceful stop may take.
func (s *Server) ShutdownTimeout() time.Duration { return s.cfg.ShutdownTimeout }
