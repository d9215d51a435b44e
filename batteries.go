package companionhub

import (
	"context"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	goredis "github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/blob/s3"
	"github.com/companionhub/companionhub/adapter/prom"
	"github.com/companionhub/companionhub/adapter/redis"
	"github.com/companionhub/companionhub/adapter/sentry"
	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/usecase/incident"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Provider functions of the injectors in wire.go: the infrastructure this package links, opened
// as the configuration says and handed to the core as options.

// role says what a process is: a server (New) or a Temporal worker (NewWorker).
type role int

const (
	serving role = iota
	working
)

// batteries are what this package opened for the core.
type batteries struct {
	cfg      Config
	registry *prometheus.Registry
	temporal client.Client
	redis    *goredis.Client
	bus      stream.Bus
	limiter  ratelimit.Limiter
	blobs    mediauc.BlobStore
	reporter incident.Reporter
	tracing  tracing
}

func newBatteries(cfg Config, reg *prometheus.Registry, tc client.Client, rc *goredis.Client, bus stream.Bus,
	limiter ratelimit.Limiter, blobs mediauc.BlobStore, reporter incident.Reporter, tr tracing) *batteries {
	return &batteries{cfg: cfg, registry: reg, temporal: tc, redis: rc, bus: bus, limiter: limiter, blobs: blobs, reporter: reporter,
		tracing: tr}
}

// provideReporter opens Sentry when its DSN is set and no reporter was given; otherwise it
// provides nil. Closing flushes what is queued.
func provideReporter(cfg Config, given core.Brought) (incident.Reporter, func(), error) {
	if given.Reporter || cfg.Sentry.DSN.Reveal() == "" {
		return nil, func() {}, nil
	}
	r, err := sentry.New(cfg.Sentry, release(), nil)
	if err != nil {
		return nil, nil, err
	}
	return r, r.Close, nil
}

// Version is the build's version when the build says it — `-ldflags "-X
// github.com/companionhub/companionhub.Version=…"`, as scripts/image.sh does — else "" (BuildVersion
// then reads the module's).
var Version string

// BuildVersion is the build's version: Version, else the main module's as Go recorded it, else
// "dev".
func BuildVersion() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// release is the build's version, which reports are tagged with.
func release() string { return "companionhub@" + BuildVersion() }

// options hand what was opened to the core, with the catalogues of this package and extra.
func (b *batteries) options(extra ...core.Option) []core.Option {
	opts := append([]core.Option{core.WithCatalogs(Catalogs()), core.WithRegistry(b.registry)}, extra...)
	if b.bus != nil {
		opts = append(opts, core.WithStreamBus(b.bus))
	}
	if b.limiter != nil {
		opts = append(opts, core.WithRateLimiter(b.limiter))
	}
	if b.blobs != nil {
		opts = append(opts, core.WithBlobStore(b.blobs))
	}
	if rc := b.redis; rc != nil {
		opts = append(opts, core.WithReadinessCheck("redis", func(ctx context.Context) error { return rc.Ping(ctx).Err() }))
	}
	if b.reporter != nil {
		opts = append(opts, core.WithReporter(b.reporter))
	}
	if b.tracing.opened {
		opts = append(opts, core.WithTracerProvider(b.tracing.provider))
	}
	// Temporal is connected for a worker and for a server whose turns run there: turns start as
	// workflows (a worker's too: a schedule's firing starts one) and schedules are Temporal's.
	if tc := b.temporal; tc != nil {
		opts = append(opts, core.WithReadinessCheck("temporal", func(ctx context.Context) error { return temporalwf.Ping(ctx, tc) }),
			core.WithRunner(b.temporalRunner), core.WithScheduler(temporalwf.NewScheduler(tc, b.cfg.Temporal)))
	}
	return opts
}

// temporalRunner starts turns as workflows; workers run them.
func (b *batteries) temporalRunner(d core.RunnerDeps) (core.Runner, error) {
	rc := d.Config.WithDefaults()
	return temporalwf.NewServerRunner(b.temporal, b.cfg.Temporal, temporalwf.Upkeep{Reap: d.Steps.Reap, Leases: d.Turns,
		Clock: d.Clock, Log: d.Log, Every: rc.ReapEvery, LeaseTTL: rc.LeaseTTL}), nil
}

func provideRegistry() *prometheus.Registry { return prom.NewRegistry() }

// provideTemporal connects to Temporal for a worker, and for a server whose turns run there;
// otherwise it provides nil. When the process is traced, so are the workflows it starts and the
// steps it runs: they join the trace of what started them.
func provideTemporal(ctx context.Context, cfg Config, r role, log *zap.Logger, reg *prometheus.Registry,
	tr tracing) (client.Client, func(), error) {
	if r == serving && cfg.TurnRunner != "temporal" {
		return nil, func() {}, nil
	}
	var dial []temporalwf.DialOption
	if tr.provider != nil {
		dial = append(dial, temporalwf.WithTracerProvider(tr.provider))
	}
	c, err := temporalwf.Dial(ctx, cfg.Temporal, log, reg, dial...)
	if err != nil {
		return nil, nil, err
	}
	return c, c.Close, nil
}

// provideRedis connects when a Redis URL is configured; otherwise it provides nil.
func provideRedis(ctx context.Context, cfg Config) (*goredis.Client, func(), error) {
	if !cfg.Redis.URL.IsSet() {
		return nil, func() {}, nil
	}
	c, err := redis.Open(ctx, cfg.Redis)
	if err != nil {
		return nil, nil, err
	}
	return c, func() { _ = c.Close() }, nil
}

// provideStreamBus opens the Redis stream bus when it is the one in use and none was given (the
// core opens the others); its own connections, sized for its blocking reads.
func provideStreamBus(ctx context.Context, cfg Config, given core.Brought) (stream.Bus, func(), error) {
	if given.StreamBus || cfg.streamBus() != "redis" {
		return nil, func() {}, nil
	}
	c, err := redis.OpenStreams(ctx, cfg.Redis)
	if err != nil {
		return nil, nil, err
	}
	b := redis.NewStreamBus(c)
	return b, func() { _ = b.Close(); _ = c.Close() }, nil
}

// provideLimiter is the Redis rate limiter when it is the store in use and none was given (the
// core makes the others).
func provideLimiter(cfg Config, rc *goredis.Client, given core.Brought) ratelimit.Limiter {
	if given.RateLimiter || cfg.rateLimitStore() != "redis" {
		return nil
	}
	return redis.NewRateLimiter(rc)
}

// provideBlobs opens S3 when BLOB_URL names it and no blob store was given (the core opens
// directories and memory).
func provideBlobs(ctx context.Context, cfg Config, given core.Brought) (mediauc.BlobStore, func(), error) {
	bc := cfg.BlobConfig()
	if given.BlobStore || !bc.S3() {
		return nil, func() {}, nil
	}
	s, err := s3.Open(ctx, bc)
	if err != nil {
		return nil, nil, err
	}
	return s, func() { _ = s.Close() }, nil
}
