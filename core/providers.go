package core

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/adapter/argon2id"
	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/adapter/hibp"
	"github.com/companionhub/companionhub/adapter/httpapi"
	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/memory"
	"github.com/companionhub/companionhub/adapter/postgres"
	"github.com/companionhub/companionhub/adapter/prom"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/adapter/zxcvbn"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	"github.com/companionhub/companionhub/usecase/apitoken"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/incident"
	"github.com/companionhub/companionhub/usecase/llm"
	"github.com/companionhub/companionhub/usecase/logkey"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	memoryuc "github.com/companionhub/companionhub/usecase/memory"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/proactive"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	roomuc "github.com/companionhub/companionhub/usecase/room"
	"github.com/companionhub/companionhub/usecase/schedule"
	"github.com/companionhub/companionhub/usecase/stream"
	"github.com/companionhub/companionhub/usecase/summary"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/userdata"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Provider functions for the injectors in wire.go. Adapter choice happens here, from configuration
// and options, so the injectors stay static (DESIGN §5); behaviour lives in the layers.

func provideDB(ctx context.Context, cfg Config, log *zap.Logger, o *options) (*sqlstore.DB, func(), error) {
	if o.db != nil {
		return o.db, func() {}, nil
	}
	db, err := sqlstore.Open(ctx, cfg.DatabaseConfig(), o.sqlOptions()...)
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { _ = db.Close() }
	applied, pending, err := db.MigrateAtStart(ctx, cfg.AutoMigrate)
	switch {
	case err != nil:
		cleanup()
		return nil, nil, err
	case applied > 0:
		log.Info("applied migrations", zap.Int(logkey.Migrations, applied), zap.String(logkey.Dialect, string(db.Dialect)))
	case pending:
		log.Warn("the database has pending migrations; run `companionhub migrate up`", zap.String(logkey.Dialect, string(db.Dialect)))
	}
	// How recall searches by meaning is found once, here: PostgreSQL without pgvector (or before
	// migration 00014) scores every vector in process, which is said once.
	if how, err := db.VectorSearch(ctx); err == nil && db.Dialect == sqlstore.Postgres && how != sqlstore.VectorsPgvector {
		log.Warn("pgvector is not available: memories are searched by meaning in process, not by an index",
			zap.String(logkey.Dialect, string(db.Dialect)))
	}
	return db, cleanup, nil
}

func provideRegistry(o *options) *prometheus.Registry {
	if o.registry != nil {
		return o.registry
	}
	return prom.NewRegistry()
}

func provideClock(o *options) usecase.Clock {
	if o.clock != nil {
		return o.clock
	}
	return usecase.SystemClock{}
}

func provideObserver(log *zap.Logger, o *options) zaplog.Observer {
	return zaplog.Observer{Log: log, Trace: o.traceIDs()}
}

// provideLimiter picks the rate-limit store: the one given, the one configured, or the most
// shared available, so that replicas share limits whenever they share something.
func provideLimiter(cfg Config, db *sqlstore.DB, clock usecase.Clock, o *options) (ratelimit.Limiter, error) {
	if o.limiter != nil {
		return o.limiter, nil
	}
	switch store := MostShared(cfg.RateLimitStore, false, db.Dialect == sqlstore.Postgres); store {
	case "postgres":
		return postgres.NewRateLimiter(db.X), nil
	case "memory":
		return memory.NewRateLimiter(clock), nil
	default:
		return nil, notLinked("rate-limit store", store, "WithRateLimiter")
	}
}

// MostShared is the store in use for a choice between stores (StreamBus, RateLimitStore): the one
// chosen, or when none is, the most shared there is — Redis when it is linked and set, PostgreSQL
// when the database is, memory otherwise — so that replicas share whatever they can.
func MostShared(chosen string, redis, postgres bool) string {
	switch {
	case chosen != "":
		return chosen
	case redis:
		return "redis"
	case postgres:
		return "postgres"
	}
	return "memory"
}

// notLinked is a choice the configuration made that this build cannot honour.
func notLinked(what, name, option string) error {
	return fmt.Errorf("the %s %q is not part of this build: use the companionhub package, or core.%s", what, name, option)
}

func provideGuard(l ratelimit.Limiter, obs zaplog.Observer) *ratelimit.Guard {
	return ratelimit.NewGuard(l, obs.LimiterFailed)
}

// provideHasher builds the password hasher and exports its queue.
func provideHasher(cfg Config, reg *prometheus.Registry) (*argon2id.Hasher, error) {
	h := argon2id.New(cfg.PasswordHash)
	err := prom.RegisterHashQueue(reg, func() (int, int) { s := h.Stats(); return int(s.Running), int(s.Waiting) })
	return h, err
}

// provideBreach returns the breach checker when enabled, nil otherwise.
func provideBreach(cfg Config, o *options) accountuc.BreachChecker {
	if !cfg.BreachCheck {
		return nil
	}
	return hibp.New(cfg.BreachCheckAPI, o.http)
}

func provideObservers(log *zap.Logger, reg *prometheus.Registry, business *prom.BusinessMetrics, o *options) ([]decorator.Observer, error) {
	m, err := prom.NewUseCaseMetrics(reg)
	if err != nil {
		return nil, err
	}
	obs := []decorator.Observer{decorator.Logging{Log: log, Trace: o.traceIDs()}, m, business}
	if o.reporter != nil {
		obs = append(obs, incident.Observer{Reporter: o.reporter})
	}
	return obs, nil
}

func provideAccounts(cfg Config, store accountuc.Store, hasher *argon2id.Hasher, est *zxcvbn.Estimator,
	breach accountuc.BreachChecker, guard *ratelimit.Guard, clock usecase.Clock, obs zaplog.Observer,
	observers []decorator.Observer) (*accountuc.App, error) {
	return accountuc.NewApp(accountuc.Deps{Store: store, Hasher: hasher, Strength: est, Common: est, Breach: breach,
		Guard: guard, Clock: clock, Policy: cfg.policy(), Observer: obs}, observers...)
}

// blobs is the blob store and its readiness check.
type blobs struct {
	mediauc.BlobStore
	ping func(context.Context) error
}

func provideBlobs(ctx context.Context, cfg Config, o *options) (blobs, func(), error) {
	if o.blobs != nil {
		b := blobs{BlobStore: o.blobs}
		if p, ok := o.blobs.(interface{ Ping(context.Context) error }); ok {
			b.ping = p.Ping
		}
		return b, func() {}, nil
	}
	s, err := blob.Open(ctx, cfg.BlobConfig())
	if err != nil {
		return blobs{}, nil, err
	}
	return blobs{BlobStore: s, ping: s.Ping}, func() { _ = s.Close() }, nil
}

func provideBlobStore(b blobs) mediauc.BlobStore { return b.BlobStore }

func provideCompanions(cfg Config, store companionuc.Store, blobs mediauc.BlobStore, images mediauc.ImageProcessor,
	cards companionuc.CardCodec, guard *ratelimit.Guard, clock usecase.Clock, voices *voice.App,
	obs []decorator.Observer) (*companionuc.App, error) {
	return companionuc.NewApp(companionuc.Deps{Store: store, Blobs: blobs, Images: images, Cards: cards, Guard: guard,
		Clock: clock, Policy: cfg.companionPolicy(), Voices: voices}, obs...)
}

func provideCommunity(cfg Config, store community.Store, companions *companionuc.App, companionStore companionuc.Store,
	guard *ratelimit.Guard, clock usecase.Clock, observer zaplog.Observer, obs []decorator.Observer) (*community.App, error) {
	r := cfg.RateLimits.rules()
	return community.NewApp(community.Deps{Store: store, Companions: companions, Audit: companionStore.Audit(), Guard: guard,
		Clock: clock, Policy: community.Policy{Change: r.Settings, View: r.ViewCount, Browse: r.CommunityBrowse},
		Observer: observer}, obs...)
}

// scheduling is the proactive use cases and the scheduler that fires them: built together,
// because each needs the other (the use cases put schedules into the scheduler; the scheduler calls
// the use cases' Fire). local is the in-process scheduler a serving hub runs, nil when another
// was given (WithScheduler): then whoever runs that one's firings calls Fire.
type scheduling struct {
	app   *proactive.App
	local *local.Scheduler
}

// provideNotifier opens what tells people a companion wrote first: the one given, the one
// configured, or none (nil).
func provideNotifier(ctx context.Context, cfg Config, o *options, d backend.Deps) (proactive.Notifier, func(), error) {
	if o.notifier != nil {
		return o.notifier, func() {}, nil
	}
	if cfg.Notify.Provider == "" {
		return nil, func() {}, nil
	}
	return o.catalogs.Notify.Open(ctx, cfg.Notify.Settings, cfg.Backends, d)
}

func provideScheduling(cfg Config, db *sqlstore.DB, store proactive.Store, chat *chatuc.App, companions *companionuc.App,
	accounts *accountuc.App, notifier proactive.Notifier, guard *ratelimit.Guard, clock usecase.Clock, log *zap.Logger,
	o *options, obs []decorator.Observer) (scheduling, error) {
	var s scheduling
	sched := o.scheduler
	if sched == nil {
		s.local = local.NewScheduler(cfg.Scheduler, local.SchedulerDeps{Store: sqlstore.NewScheduleStore(db), Clock: clock,
			Log: log.With(zap.String(logkey.Component, "scheduler")),
			Handler: func(ctx context.Context, f schedule.Firing) error {
				_, err := s.app.Fire.Handle(ctx, f)
				return err
			}})
		sched = s.local
	}
	app, err := proactive.NewApp(proactive.Deps{Store: store, Scheduler: sched, Chat: chat, Companions: companions, Guard: guard,
		Clock: clock, Policy: cfg.proactivePolicy(), Notifier: notifier, Accounts: accounts, PublicURL: cfg.HTTP.PublicURL}, obs...)
	if err != nil {
		return scheduling{}, err
	}
	s.app = app
	return s, nil
}

func provideProactive(s scheduling) *proactive.App { return s.app }

func provideMedia(repo mediauc.Repository, blobs mediauc.BlobStore, clock usecase.Clock, obs []decorator.Observer) (*mediauc.App, error) {
	return mediauc.NewApp(mediauc.Deps{Repo: repo, Blobs: blobs, Clock: clock}, obs...)
}

func provideBackendDeps(o *options, log *zap.Logger) backend.Deps {
	return backend.Deps{HTTP: o.http, Log: log}
}

// provideStreamBus picks how turn events travel: the bus given, the one configured, or the most
// shared available, so that a follower on one replica sees a turn run on another.
func provideStreamBus(cfg Config, db *sqlstore.DB, clock usecase.Clock, o *options) (stream.Bus, func(), error) {
	if o.bus != nil {
		return o.bus, func() {}, nil
	}
	switch kind := MostShared(cfg.StreamBus, false, db.Dialect == sqlstore.Postgres); kind {
	case "postgres":
		b := postgres.NewStreamBus(db.X, db.URL())
		return b, func() { _ = b.Close() }, nil
	case "memory":
		b := memory.NewStreamBus(clock)
		return b, func() { _ = b.Close() }, nil
	default:
		return nil, nil, notLinked("stream bus", kind, "WithStreamBus")
	}
}

// provideSummaries builds the running summaries of long conversations, over the chat's history
// window.
func provideSummaries(cfg Config, store summary.Store, chat chatuc.Store, tokens chatuc.TokenCounter, model llm.Model,
	clock usecase.Clock, obs []decorator.Observer) (*summary.App, error) {
	return summary.NewApp(summary.Deps{Store: store, Conversation: chat.Messages(), Tokens: tokens, Model: model,
		Clock: clock, HistoryTokens: cfg.Chat.limits().HistoryTokens}, obs...)
}

func provideSteps(cfg Config, store chatuc.Store, bus stream.Bus, model llm.Model, tokens chatuc.TokenCounter,
	mem *memoryuc.App, pictures *picture.App, voices *voice.App, sums *summary.App, sumStore summary.Store,
	clock usecase.Clock, obs zaplog.Observer, business *prom.BusinessMetrics, rooms *roomTurns, o *options) (*chatuc.Steps, error) {
	var watch []decorator.Observer
	if o.reporter != nil {
		watch = append(watch, incident.Observer{Reporter: o.reporter})
	}
	return chatuc.NewSteps(chatuc.StepsDeps{Store: store, Bus: bus, Model: model, Tokens: tokens, Recall: mem.Recall, Memory: mem,
		Learn: mem.Learn, Illustrate: pictures.IllustrateReply, Speak: voices.SpeakReply,
		Summaries: sumStore, Summarize: sums.Summarize, Clock: clock, Observer: obs, Watch: watch, Ended: turnEnded(business),
		RoomGoesOn: rooms.goOn, Limits: cfg.Chat.limits()})
}

// provideRunner builds the turn runner: the one the options build (Temporal's), otherwise the
// in-process one, which the hub runs (Hub.Serve) and which reaps turns abandoned by a crashed
// process.
func provideRunner(cfg Config, steps *chatuc.Steps, store chatuc.Store, clock usecase.Clock, log *zap.Logger,
	o *options) (Runner, error) {
	d := RunnerDeps{Steps: steps, Turns: store.Turns(), Clock: clock, Log: log, Config: cfg.Runner}
	if o.runner != nil {
		return o.runner(d)
	}
	if cfg.TurnRunner != "local" {
		return nil, notLinked("turn runner", cfg.TurnRunner, "WithRunner")
	}
	return local.NewRunner(cfg.Runner, local.Deps{Steps: steps.Table(), Leases: store.Turns(), Clock: clock, Log: log,
		Reap: steps.Reap, Tracer: o.tracer}), nil
}

func provideChat(cfg Config, store chatuc.Store, bus stream.Bus, runner Runner, steps *chatuc.Steps,
	guard *ratelimit.Guard, clock usecase.Clock, pictures *picture.App, voices *voice.App, u *usage.App,
	business *prom.BusinessMetrics, _ roomAdvance, obs []decorator.Observer) (*chatuc.App, error) {
	return chatuc.NewApp(chatuc.Deps{Store: store, Bus: bus, Runner: runner, Steps: steps, Guard: guard, Clock: clock,
		Settings: cfg.chatSettings(), Pictures: pictures, Voice: voices, Transcribe: transcribeOf(voices),
		DiscardNote: discardOf(voices), Quota: quota(u, usage.QuotaTokens), PictureQuota: quota(u, usage.QuotaPictures),
		Started: business.MessageSent}, obs...)
}

// transcribeOf is the voice app's voice notes, when it has a speech-to-text backend; discardOf
// forgets the recording of one that was not sent.
func transcribeOf(voices *voice.App) chatuc.Transcriber {
	if voices == nil || !voices.Transcribes() {
		return nil
	}
	return voices.TranscribeNote
}

func discardOf(voices *voice.App) chatuc.NoteDiscarder {
	if voices == nil || !voices.Transcribes() {
		return nil
	}
	return voices.DiscardNote
}

// provideCheckers are the dependencies /readyz checks: the database, the blob store (when it can
// tell) and what the options add.
func provideCheckers(db *sqlstore.DB, b blobs, o *options) []httpapi.Checker {
	cs := []httpapi.Checker{{Name: "database", Check: db.Ping}}
	if b.ping != nil {
		cs = append(cs, httpapi.Checker{Name: "blobs", Check: b.ping})
	}
	return append(cs, o.checks...)
}

// provideTokens builds the personal access tokens' use cases; their audit events go to the trail
// every area shares.
func provideTokens(cfg Config, store apitoken.Store, companionStore companionuc.Store, accounts *accountuc.App, guard *ratelimit.Guard,
	clock usecase.Clock, observer zaplog.Observer, obs []decorator.Observer) (*apitoken.App, error) {
	verify := func(ctx context.Context, userID domain.ID, password string) error {
		_, err := accounts.VerifyPassword.Handle(ctx, accountuc.VerifyPassword{UserID: userID, Password: password})
		return err
	}
	return apitoken.NewApp(apitoken.Deps{Store: store, Audit: companionStore.Audit(), Guard: guard, Clock: clock,
		Change: cfg.RateLimits.rules().Settings, Observer: observer, VerifyPassword: verify}, obs...)
}

// provideUserData builds what a person may ask of all their data: exporting it, erasing it.
func provideUserData(cfg Config, store userdata.Store, accounts *accountuc.App, companions *companionuc.App, chat *chatuc.App,
	memories *memoryuc.App, schedules *proactive.App, use *usage.App, rooms *roomuc.App, guard *ratelimit.Guard, blobs mediauc.BlobStore,
	companionStore companionuc.Store, clock usecase.Clock, observer zaplog.Observer, obs []decorator.Observer) (*userdata.App, error) {
	return userdata.NewApp(userdata.Deps{Store: store, Accounts: accounts, Companions: companions, Chat: chat, Memory: memories,
		Schedules: schedules, Usage: use, Rooms: rooms, Guard: guard, Change: cfg.RateLimits.rules().Settings, Blobs: blobs, Audit: companionStore.Audit(), Clock: clock,
		Observer: observer}, obs...)
}

func provideHTTP(cfg Config, accounts *accountuc.App, companions *companionuc.App, media *mediauc.App, chat *chatuc.App,
	pictures *picture.App, memories *memoryuc.App, sums *summary.App, voices *voice.App, comm *community.App,
	pro *proactive.App, tokens *apitoken.App, data *userdata.App, use *usage.App, rooms *roomuc.App, tokenizer chatuc.TokenCounter, log *zap.Logger,
	reg *prometheus.Registry, checkers []httpapi.Checker, o *options) (*httpapi.Server, error) {
	return httpapi.New(cfg.HTTP, httpapi.Deps{Accounts: accounts, Companions: companions, Media: media, Chat: chat,
		Pictures: pictures, Memories: memories, Summaries: sums, Voices: voices, Community: comm, Proactive: pro, Tokens: tokens, UserData: data, Usage: use, Rooms: rooms, Tokenizer: tokenizer, Reporter: o.reporter, Tracer: o.tracer,
		ImageTimeout: cfg.Images.Timeout, Log: log, Registry: reg, Checkers: checkers})
}
