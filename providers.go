package companionhub

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	goredis "github.com/redis/go-redis/v9"
	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/argon2id"
	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/adapter/hibp"
	"github.com/companionhub/companionhub/adapter/httpapi"
	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/adapter/openai"
	"github.com/companionhub/companionhub/adapter/postgres"
	"github.com/companionhub/companionhub/adapter/prom"
	"github.com/companionhub/companionhub/adapter/redis"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/adapter/tokenizer"
	"github.com/companionhub/companionhub/adapter/zxcvbn"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/logkey"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Provider functions for the injectors in wire.go. Adapter choice happens here, from configuration,
// so the injectors stay static (DESIGN §5).

func provideDB(ctx context.Context, cfg Config, log *zap.Logger) (*sqlstore.DB, func(), error) {
	db, err := sqlstore.Open(ctx, cfg.database())
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = db.Close() }
	migrate := cfg.AutoMigrate == "always" || (cfg.AutoMigrate == "auto" && db.Dialect == sqlstore.SQLite)
	if migrate {
		n, err := db.Migrate(ctx)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		if n > 0 {
			log.Info("applied migrations", zap.Int(logkey.Migrations, n), zap.String(logkey.Dialect, string(db.Dialect)))
		}
	} else if pending, err := db.Pending(ctx); err == nil && pending {
		log.Warn("the database has pending migrations; run `companionhub migrate up`",
			zap.String(logkey.Dialect, string(db.Dialect)))
	}
	return db, cleanup, nil
}

func provideRegistry() *prometheus.Registry { return prom.NewRegistry() }

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

// provideLimiter picks the rate-limit store: the configured one, or the most shared available, so
// that replicas share limits whenever they share something.
func provideLimiter(cfg Config, db *sqlstore.DB, rc *goredis.Client, clock usecase.Clock) (ratelimit.Limiter, error) {
	store := cfg.RateLimitStore
	if store == "" {
		switch {
		case rc != nil:
			store = "redis"
		case db.Dialect == sqlstore.Postgres:
			store = "postgres"
		default:
			store = "memory"
		}
	}
	switch store {
	case "redis":
		return redis.NewRateLimiter(rc), nil
	case "postgres":
		return postgres.NewRateLimiter(db.X), nil
	case "memory":
		return memory.NewRateLimiter(clock), nil
	}
	return nil, fmt.Errorf("unknown rate-limit store %q", store)
}

func provideGuard(l ratelimit.Limiter, log *zap.Logger) *ratelimit.Guard {
	return ratelimit.NewGuard(l, func(ctx context.Context, rule string, err error) {
		log.Error("rate limiter store failed", zap.String(logkey.Rule, rule),
			zap.String(logkey.RequestID, correlation.RequestID(ctx)), zap.Error(err))
	})
}

func provideClock() usecase.Clock { return usecase.SystemClock{} }

// provideHasher builds the password hasher and exports its queue, the first sign of a login flood
// (or of too few hashing slots for the load).
func provideHasher(cfg Config, reg *prometheus.Registry) (*argon2id.Hasher, error) {
	h := argon2id.New(cfg.PasswordHash)
	for _, g := range []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "companionhub", Subsystem: "password_hash", Name: "running",
			Help: "Password hashes being computed."}, func() float64 { return float64(h.Stats().Running) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "companionhub", Subsystem: "password_hash", Name: "waiting",
			Help: "Password hashes waiting for a hashing slot."}, func() float64 { return float64(h.Stats().Waiting) }),
	} {
		if err := reg.Register(g); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// provideBreach returns the breach checker when enabled (nil otherwise), logging its failures: the
// use case then carries on without it.
func provideBreach(cfg Config, log *zap.Logger) accountuc.BreachChecker {
	if !cfg.BreachCheck {
		return nil
	}
	return loggingBreach{c: hibp.New(cfg.BreachCheckAPI, http.DefaultClient), log: log}
}

type loggingBreach struct {
	c   accountuc.BreachChecker
	log *zap.Logger
}

func (b loggingBreach) Breached(ctx context.Context, pw string) (bool, error) {
	ok, err := b.c.Breached(ctx, pw)
	if err != nil {
		b.log.Warn("breach check unavailable; password accepted on the other rules",
			zap.String(logkey.RequestID, correlation.RequestID(ctx)), zap.Error(err))
	}
	return ok, err
}

func provideObservers(log *zap.Logger, reg *prometheus.Registry) ([]decorator.Observer, error) {
	m, err := prom.NewUseCaseMetrics(reg)
	if err != nil {
		return nil, err
	}
	return []decorator.Observer{decorator.Logging{Log: log}, m}, nil
}

func provideAccountDeps(cfg Config, store accountuc.Store, hasher *argon2id.Hasher, est *zxcvbn.Estimator,
	breach accountuc.BreachChecker, guard *ratelimit.Guard, clock usecase.Clock) accountuc.Deps {
	return accountuc.Deps{Store: store, Hasher: hasher, Strength: est, Common: est, Breach: breach, Guard: guard,
		Clock: clock, Policy: cfg.policy()}
}

func provideAccounts(d accountuc.Deps, obs []decorator.Observer) (*accountuc.App, error) {
	return accountuc.NewApp(d, obs...)
}

func provideBlobs(ctx context.Context, cfg Config) (*blob.Store, func(), error) {
	s, err := blob.Open(ctx, cfg.blobs())
	if err != nil {
		return nil, nil, err
	}
	return s, func() { _ = s.Close() }, nil
}

func provideCompanions(cfg Config, store companionuc.Store, blobs mediauc.BlobStore, images mediauc.ImageProcessor,
	cards companionuc.CardCodec, guard *ratelimit.Guard, clock usecase.Clock, obs []decorator.Observer) (*companionuc.App, error) {
	return companionuc.NewApp(companionuc.Deps{Store: store, Blobs: blobs, Images: images, Cards: cards, Guard: guard,
		Clock: clock, Policy: cfg.companionPolicy()}, obs...)
}

func provideMedia(repo mediauc.Repository, blobs mediauc.BlobStore, clock usecase.Clock, obs []decorator.Observer) (*mediauc.App, error) {
	return mediauc.NewApp(mediauc.Deps{Repo: repo, Blobs: blobs, Clock: clock}, obs...)
}

func provideCheckers(db *sqlstore.DB, rc *goredis.Client, blobs *blob.Store, tc client.Client) []httpapi.Checker {
	cs := []httpapi.Checker{{Name: "database", Check: db.Ping}, {Name: "blobs", Check: blobs.Ping}}
	if rc != nil {
		cs = append(cs, httpapi.Checker{Name: "redis", Check: func(ctx context.Context) error { return rc.Ping(ctx).Err() }})
	}
	if tc != nil {
		cs = append(cs, httpapi.Checker{Name: "temporal", Check: func(ctx context.Context) error { return temporalwf.Ping(ctx, tc) }})
	}
	return cs
}

func provideHTTP(cfg Config, accounts *accountuc.App, companions *companionuc.App, media *mediauc.App, chat *chatuc.App,
	log *zap.Logger, reg *prometheus.Registry, checkers []httpapi.Checker) (*httpapi.Server, error) {
	return httpapi.New(cfg.HTTP, httpapi.Deps{Accounts: accounts, Companions: companions, Media: media, Chat: chat, Log: log,
		Registry: reg, Checkers: checkers})
}

// provideModel picks the language model: the OpenAI-compatible server when a base URL is set,
// otherwise the offline model (which says in its replies that it is offline).
func provideModel(cfg Config, log *zap.Logger) (llm.Model, error) {
	if cfg.offline() {
		log.Info("no LLM configured (COMPANIONHUB_LLM_BASE_URL): replies come from the offline model")
		return offline.New(cfg.Offline), nil
	}
	return openai.New(cfg.LLM, nil)
}

// provideStreamBus picks how turn events travel: the configured bus, or the most shared one
// available, so that a follower on one replica sees a turn run on another.
func provideStreamBus(ctx context.Context, cfg Config, db *sqlstore.DB, clock usecase.Clock) (stream.Bus, func(), error) {
	switch kind := cfg.streamBus(); kind {
	case "redis":
		c, err := redis.OpenStreams(ctx, cfg.Redis)
		if err != nil {
			return nil, nil, err
		}
		b := redis.NewStreamBus(c)
		return b, func() { _ = b.Close(); _ = c.Close() }, nil
	case "postgres":
		b := postgres.NewStreamBus(db.X, cfg.database().URL)
		return b, func() { _ = b.Close() }, nil
	case "memory":
		b := memory.NewStreamBus(clock)
		return b, func() { _ = b.Close() }, nil
	default:
		return nil, nil, fmt.Errorf("unknown stream bus %q", kind)
	}
}

func provideSteps(cfg Config, store chatuc.Store, bus stream.Bus, model llm.Model, recall chatuc.Recaller,
	memory chatuc.MemoryExtractor, pictures chatuc.PictureMaker, voices chatuc.VoiceMaker, clock usecase.Clock,
	log *zap.Logger) (*chatuc.Steps, error) {
	return chatuc.NewSteps(chatuc.StepsDeps{Store: store, Bus: bus, Model: model, Tokens: tokenizer.New(), Recall: recall,
		Memory: memory, Pictures: pictures, Voices: voices, Clock: clock, Log: log, Limits: cfg.Chat.limits()})
}

// turnRunner is a chat runner with the upkeep the hub drives: Run until the hub stops serving,
// Shutdown when it closes.
type turnRunner interface {
	chatuc.Runner
	Run(ctx context.Context) error
	Shutdown(ctx context.Context) error
}

// provideTemporal connects to Temporal when turns run there (TURN_RUNNER=temporal); otherwise it
// provides nil.
func provideTemporal(ctx context.Context, cfg Config, log *zap.Logger, reg *prometheus.Registry) (client.Client, func(), error) {
	if cfg.TurnRunner != "temporal" {
		return nil, func() {}, nil
	}
	return dialTemporal(ctx, cfg, log, reg)
}

// dialTemporal connects to Temporal, its SDK's metrics in reg.
func dialTemporal(ctx context.Context, cfg Config, log *zap.Logger, reg *prometheus.Registry) (client.Client, func(), error) {
	c, err := temporalwf.Dial(ctx, cfg.Temporal, log, reg)
	if err != nil {
		return nil, nil, err
	}
	return c, c.Close, nil
}

// provideRunner builds the turn runner: Temporal's when turns run there, otherwise the in-process
// one, which the hub runs (Hub.Serve) and which reaps turns abandoned by a crashed process.
func provideRunner(cfg Config, steps *chatuc.Steps, store chatuc.Store, clock usecase.Clock, tc client.Client,
	log *zap.Logger) turnRunner {
	if tc != nil {
		return &temporalRunner{Runner: temporalwf.NewRunner(tc, cfg.Temporal), cfg: cfg.Runner.WithDefaults(),
			steps: steps, leases: store.Turns(), clock: clock, log: log}
	}
	return local.NewRunner(cfg.Runner, local.Deps{Steps: steps.Table(), Leases: store.Turns(), Clock: clock, Log: log,
		Reap: func(ctx context.Context, holding func(domain.ID) bool) error {
			_, err := steps.Reap(ctx, 0, holding)
			return err
		}})
}

// temporalRunner starts turns as workflows; workers run them, and Temporal keeps them going
// through crashes. Its upkeep in the serving process is the safety net for what Temporal cannot
// see: a turn whose workflow ended without recording it (terminated by an operator, or never
// started) is finished here — completed if its reply was saved, failed as interrupted otherwise.
// Turns whose workflow runs get their lease renewed, so each is asked about once per lease.
type temporalRunner struct {
	*temporalwf.Runner
	cfg    local.Config
	steps  *chatuc.Steps
	leases chatuc.TurnRepository
	clock  usecase.Clock
	log    *zap.Logger
}

func (r *temporalRunner) Run(ctx context.Context) error {
	t := time.NewTicker(r.cfg.ReapEvery)
	defer t.Stop()
	for {
		if _, err := r.steps.Reap(ctx, 0, func(id domain.ID) bool { return r.alive(ctx, id) }); err != nil && ctx.Err() == nil {
			r.log.Warn("reaping turns whose workflow ended failed", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// alive says whether a turn whose lease ran out is still in Temporal's hands (renewing its lease
// if so); when Temporal cannot say, it is left alone.
func (r *temporalRunner) alive(ctx context.Context, id domain.ID) bool {
	running, err := r.Running(ctx, id)
	switch {
	case err != nil:
		return true
	case running:
		if _, err := r.leases.Renew(ctx, []domain.ID{id}, r.clock.Now().Add(r.cfg.LeaseTTL)); err != nil {
			r.log.Warn("renew the lease of a running turn", zap.String(logkey.TurnID, id.String()), zap.Error(err))
		}
		return true
	}
	return false
}

func (*temporalRunner) Shutdown(context.Context) error { return nil }

func provideChat(cfg Config, store chatuc.Store, bus stream.Bus, runner turnRunner, steps *chatuc.Steps,
	guard *ratelimit.Guard, clock usecase.Clock, log *zap.Logger, obs []decorator.Observer) (*chatuc.App, error) {
	return chatuc.NewApp(chatuc.Deps{Store: store, Bus: bus, Runner: runner, Steps: steps, Guard: guard, Clock: clock,
		Log: log, Settings: cfg.chatSettings()}, obs...)
}
