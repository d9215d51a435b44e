package core

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/httpapi"
	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/otel"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/incident"
	"github.com/companionhub/companionhub/usecase/llm"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/schedule"
	"github.com/companionhub/companionhub/usecase/stream"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/voice"
)

// An Option changes how New (and NewEngine) build a hub: ports an embedder brings instead of the
// ones the configuration would choose, more backends to choose from, shared infrastructure.
type Option func(*options)

type options struct {
	ports
	catalogs Catalogs
	runner   RunnerFactory
	// scheduler replaces the in-process scheduler (nil: the in-process one).
	scheduler schedule.Scheduler
	// reporter hears of panics and internal errors (nil: nobody beyond the logs).
	reporter incident.Reporter
	checks   []httpapi.Checker
	registry *prometheus.Registry
	http     *http.Client
	clock    usecase.Clock
	onClose  []func()
	// tracer traces requests, turns, steps, provider calls and SQL (nil: nothing is traced).
	tracer trace.TracerProvider
	// callObservers hear of every provider call, besides the hub's own metrics.
	callObservers []usage.CallObserver
}

// ports are the ports an embedder brought; a nil one is chosen by the configuration.
type ports struct {
	model  llm.Model
	images picture.Generator
	speech voice.Synthesizer
	// transcriber is voice notes' speech-to-text backend.
	transcriber voice.Transcriber
	embedder    memory.Embedder
	notifier    proactive.Notifier
	bus         stream.Bus
	limiter     ratelimit.Limiter
	blobs       mediauc.BlobStore
	db          *sqlstore.DB
}

func newOptions(opts []Option) *options {
	o := &options{catalogs: Builtin()}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// WithModel makes m the hub's language model, whatever the LLM settings say.
func WithModel(m llm.Model) Option { return func(o *options) { o.model = m } }

// WithImageGenerator makes g the backend of pictures, whatever the image settings say.
func WithImageGenerator(g picture.Generator) Option { return func(o *options) { o.images = g } }

// WithSynthesizer makes s the backend of voice, whatever the speech settings say.
func WithSynthesizer(s voice.Synthesizer) Option { return func(o *options) { o.speech = s } }

// WithNotifier makes n what tells people their companion wrote first, whatever the notify
// settings say.
func WithNotifier(n proactive.Notifier) Option { return func(o *options) { o.notifier = n } }

// WithTranscriber makes t the backend of voice notes, whatever the speech-to-text settings say.
func WithTranscriber(t voice.Transcriber) Option { return func(o *options) { o.transcriber = t } }

// WithEmbedder makes e the backend of recall by meaning, whatever the embeddings settings say.
func WithEmbedder(e memory.Embedder) Option { return func(o *options) { o.embedder = e } }

// WithStreamBus makes b how turn events travel, whatever StreamBus says. The hub does not close
// it: its owner does.
func WithStreamBus(b stream.Bus) Option { return func(o *options) { o.bus = b } }

// WithRateLimiter makes l the store of rate limits, whatever RateLimitStore says.
func WithRateLimiter(l ratelimit.Limiter) Option { return func(o *options) { o.limiter = l } }

// WithBlobStore makes s where files are stored, whatever BLOB_URL says. The hub does not close it.
func WithBlobStore(s mediauc.BlobStore) Option { return func(o *options) { o.blobs = s } }

// WithDatabase makes the hub use db, opened (and migrated) by the caller, whatever DATABASE_URL
// says. The hub does not close it.
func WithDatabase(db *sqlstore.DB) Option { return func(o *options) { o.db = db } }

// WithCatalogs makes cs the backends the feature settings choose from (Builtin by default; the
// companionhub package passes its own, with the backends that need SDKs).
func WithCatalogs(cs Catalogs) Option { return func(o *options) { o.catalogs = cs } }

// WithRunner builds the turn runner with f instead of the in-process one (TURN_RUNNER=temporal
// is the companionhub package's).
func WithRunner(f RunnerFactory) Option { return func(o *options) { o.runner = f } }

// WithReporter makes r hear of the hub's panics and internal errors — in HTTP requests and in every
// use case, steps and firings included — beyond the logs (the companionhub package gives Sentry's
// when COMPANIONHUB_SENTRY_DSN is set).
func WithReporter(r incident.Reporter) Option { return func(o *options) { o.reporter = r } }

// WithScheduler makes s keep and fire the schedules of companions that write first, instead of
// the in-process scheduler every serving replica runs (adapter/local): Temporal Schedules
// (temporalwf.NewScheduler), whose firings a worker runs by calling the Engine's Fire. A hub
// built with it runs no scheduler of its own.
func WithScheduler(s schedule.Scheduler) Option { return func(o *options) { o.scheduler = s } }

// WithReadinessCheck adds a dependency to /readyz (a shared service the embedder connected).
func WithReadinessCheck(name string, check func(context.Context) error) Option {
	return func(o *options) { o.checks = append(o.checks, httpapi.Checker{Name: name, Check: check}) }
}

// WithRegistry collects the hub's metrics in reg (a new registry by default).
func WithRegistry(reg *prometheus.Registry) Option { return func(o *options) { o.registry = reg } }

// WithHTTPClient is the client backends call out with (nil, the default: each its own).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.http = c } }

// WithTracerProvider traces the hub with tp: a server span per HTTP request (joining a caller's W3C
// traceparent), a span per turn and per step run in process, per provider call and per SQL
// statement — never with message text or secrets among their attributes — and trace and span ids
// on the log lines of traced work. Without it nothing is traced, at no cost (the companionhub
// package gives the SDK's, exporting over OTLP, when OTEL_EXPORTER_OTLP_ENDPOINT is set).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) {
		if tp == nil {
			return
		}
		o.tracer = tp
		// Provider calls are spans through the observers every provider port is instrumented with.
		o.callObservers = append(o.callObservers, otel.NewCalls(tp))
	}
}

// WithCallObserver adds an observer that hears of every provider call — model, pictures, speech,
// transcription, embeddings — as the hub's provider metrics do.
func WithCallObserver(obs usage.CallObserver) Option {
	return func(o *options) { o.callObservers = append(o.callObservers, obs) }
}

// WithClock replaces the wall clock (for tests that move time).
func WithClock(c usecase.Clock) Option { return func(o *options) { o.clock = c } }

// WithOnClose has Close call fn once the hub released what it opened — and New, when it fails —
// to release what the embedder opened for it (the connections behind the ports it brought).
// Functions run in the order given.
func WithOnClose(fn func()) Option { return func(o *options) { o.onClose = append(o.onClose, fn) } }

// Check validates cfg as New would with opts: the settings of features whose ports opts bring are
// not checked, and providers are looked up in the catalogues opts give (Builtin by default). It
// opens nothing, for callers that have more to open before New.
func Check(cfg Config, opts ...Option) error {
	o := newOptions(opts)
	return cfg.validate(o.catalogs, o.ports)
}

// Brought says which infrastructure ports options bring: what a caller that opens the rest (the
// companionhub package, with Redis and S3) need neither check nor open.
type Brought struct {
	StreamBus, RateLimiter, BlobStore, Reporter bool
	// Tracer is the tracer provider opts bring (nil: none), which the Temporal client traces with too.
	Tracer trace.TracerProvider
}

// Brings reports which infrastructure ports opts bring.
func Brings(opts ...Option) Brought {
	o := newOptions(opts)
	return Brought{StreamBus: o.bus != nil, RateLimiter: o.limiter != nil, BlobStore: o.blobs != nil, Reporter: o.reporter != nil,
		Tracer: o.tracer}
}

// closer is what build makes: something Close releases with the cleanup build hands it.
type closer interface{ setCleanup(func()) }

// build validates cfg against what opts bring and runs an injector, as New, NewEngine and NewChat
// do, and hands what it made the cleanup that releases what the injector opened, then what the
// options ask (WithOnClose). When it fails, it has released them already.
func build[T closer](ctx context.Context, cfg Config, log *zap.Logger, opts []Option,
	inject func(context.Context, Config, *zap.Logger, *options) (T, func(), error)) (T, error) {
	var zero T
	o := newOptions(opts)
	if err := cfg.validate(o.catalogs, o.ports); err != nil {
		o.release()
		return zero, err
	}
	v, cleanup, err := inject(ctx, cfg, log, o)
	if err != nil {
		o.release()
		return zero, err
	}
	v.setCleanup(func() {
		cleanup()
		o.release()
	})
	return v, nil
}

// Release runs the WithOnClose functions of opts: for a caller that fails before it could hand
// them to New, so what it opened for the hub is released all the same.
func Release(opts ...Option) { newOptions(opts).release() }

// release runs the WithOnClose functions, in order.
func (o *options) release() {
	for _, fn := range o.onClose {
		fn()
	}
}

// Runner runs the hub's turns, with the upkeep the hub drives: Run until the hub stops serving,
// Shutdown when it closes.
type Runner interface {
	chatuc.Runner
	Run(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// RunnerDeps are what a turn runner is built from.
type RunnerDeps struct {
	Steps  *chatuc.Steps
	Turns  chatuc.TurnRepository
	Clock  usecase.Clock
	Log    *zap.Logger
	Config local.Config
}

// RunnerFactory builds a turn runner.
type RunnerFactory func(RunnerDeps) (Runner, error)
