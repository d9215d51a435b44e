package companionhub

import (
	"errors"
	"path/filepath"
	"slices"
	"time"

	"github.com/companionhub/companionhub/adapter/argon2id"
	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/adapter/hibp"
	"github.com/companionhub/companionhub/adapter/httpapi"
	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/offline"
	"github.com/companionhub/companionhub/adapter/openai"
	"github.com/companionhub/companionhub/adapter/redis"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/internal/envflag"
	"github.com/companionhub/companionhub/secret"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// EnvPrefix starts every environment variable of the hub.
const EnvPrefix = "COMPANIONHUB_"

// Config is everything a hub can be told. Every field is an environment variable COMPANIONHUB_…
// with an equivalent flag (see internal/envflag and the README's table); DefaultConfig is the
// embedded profile: SQLite in ./data, in-process everything, no network calls.
type Config struct {
	Log      zaplog.Config   `envprefix:""`
	DataDir  string          `env:"DATA_DIR" help:"directory for the SQLite file and local blobs"`
	HTTP     httpapi.Config  `envprefix:""`
	Database sqlstore.Config `envprefix:""`
	// Blobs is where pictures and sounds are stored; an empty URL means <DataDir>/blobs.
	Blobs blob.Config `envprefix:""`
	// AutoMigrate says when start-up applies pending migrations: "auto" does so for SQLite (the
	// embedded profile has no separate migration step) and leaves PostgreSQL to `companionhub migrate up`.
	AutoMigrate string `env:"AUTO_MIGRATE" help:"apply pending migrations at start: auto (SQLite only), always or never"`
	// Redis is optional; when its URL is set it becomes the rate-limit store (unless told otherwise).
	Redis redis.Config `envprefix:""`
	// RateLimitStore picks where limiter state lives; empty chooses the most shared store available.
	RateLimitStore string           `env:"RATE_LIMIT_STORE" help:"memory, postgres or redis (default: redis if REDIS_URL is set, else postgres on PostgreSQL, else memory)"`
	RateLimits     RateLimitsConfig `envprefix:"RATE_LIMIT_"`
	Accounts       AccountsConfig   `envprefix:""`
	// CompanionRetention is how long a trashed companion can be restored before
	// `companionhub admin purge-companions` deletes it with its files.
	CompanionRetention time.Duration   `env:"COMPANION_RETENTION" help:"how long trashed companions are kept before purging"`
	PasswordHash       argon2id.Config `envprefix:""`
	// BreachCheck, when on, asks a Have I Been Pwned-compatible range API whether a new password
	// appeared in a breach (k-anonymity: only 5 hex digits of its SHA-1 leave the hub). Off by default
	// because it is a call to a third party.
	BreachCheck    bool        `env:"BREACH_CHECK" help:"reject passwords found in known breaches (calls the range API)"`
	BreachCheckAPI hibp.Config `envprefix:""`
	// LLM is the OpenAI-compatible model server; with no base URL the hub talks to the offline model.
	LLM     openai.Config  `envprefix:""`
	Offline offline.Config `envprefix:""`
	Chat    ChatConfig     `envprefix:""`
	// TurnRunner picks where chat turns run: in this process ("local"), or as Temporal workflows
	// executed by `companionhub worker` processes ("temporal", the production profile).
	TurnRunner string `env:"TURN_RUNNER" help:"local (turns run in this process) or temporal (turns run by companionhub worker processes)"`
	// Runner sizes the in-process turn runner.
	Runner local.Config `envprefix:""`
	// Temporal is the Temporal service of TURN_RUNNER=temporal and of workers.
	Temporal temporalwf.Config `envprefix:""`
	// WorkerHTTPAddr is where `companionhub worker` serves /healthz, /readyz and /metrics; empty
	// serves nothing.
	WorkerHTTPAddr string `env:"WORKER_HTTP_ADDR" help:"address of the worker's /healthz, /readyz and /metrics (empty: none)"`
	// StreamBus picks how turn events travel; empty chooses the most shared store available.
	StreamBus string `env:"STREAM_BUS" help:"memory, postgres or redis (default: redis if REDIS_URL is set, else postgres on PostgreSQL, else memory)"`
}

// ChatConfig tunes the chat turn.
type ChatConfig struct {
	ContextTokens   int           `env:"LLM_CONTEXT_TOKENS" help:"the model's context window, in tokens"`
	HistoryTokens   int           `env:"LLM_HISTORY_TOKENS" help:"most tokens of conversation history sent with a reply (DeepThink may use the whole window)"`
	TokenBatchDelay time.Duration `env:"TOKEN_BATCH_DELAY" help:"longest a streamed reply piece waits to be published with the next"`
	TokenBatchBytes int           `env:"TOKEN_BATCH_BYTES" help:"bytes of reply that are published at once without waiting"`
	EventTTL        time.Duration `env:"TURN_EVENT_TTL" help:"how long a finished turn's events can be replayed"`
}

// AccountsConfig tunes sessions and the login lockout.
type AccountsConfig struct {
	SessionTTL         time.Duration `env:"SESSION_TTL" help:"absolute lifetime of a session"`
	SessionIdleTimeout time.Duration `env:"SESSION_IDLE_TIMEOUT" help:"a session unused this long ends"`
	LockoutMaxFailures int           `env:"LOCKOUT_MAX_FAILURES" help:"failed logins that lock an account"`
	LockoutWindow      time.Duration `env:"LOCKOUT_WINDOW" help:"failures further apart than this start a new count"`
	LockoutDuration    time.Duration `env:"LOCKOUT_DURATION" help:"how long a locked account refuses logins"`
}

// RateLimitsConfig holds the limits of SPEC §3.1 as N/duration.
type RateLimitsConfig struct {
	Login           ratelimit.Limit `env:"LOGIN" help:"login attempts per client IP and identifier"`
	LoginIP         ratelimit.Limit `env:"LOGIN_IP" help:"login attempts per client IP, across identifiers"`
	Register        ratelimit.Limit `env:"REGISTER" help:"accounts created per client IP"`
	Chat            ratelimit.Limit `env:"CHAT" help:"chat messages per user"`
	Image           ratelimit.Limit `env:"IMAGE" help:"pictures generated per user"`
	CompanionCreate ratelimit.Limit `env:"COMPANION_CREATE" help:"companions created or cloned per user"`
	Settings        ratelimit.Limit `env:"SETTINGS" help:"settings changes per user"`
	VoicePreview    ratelimit.Limit `env:"VOICE_PREVIEW" help:"voice previews per client IP"`
	ViewCount       ratelimit.Limit `env:"VIEW_COUNT" help:"community views counted per client IP and companion"`
	// FailOpen names the rules that let requests through while the limiter store is down; the
	// others refuse them (503).
	FailOpen []string `env:"FAIL_OPEN" help:"rules that allow requests while the limiter store is down"`
}

// DefaultConfig is the embedded profile.
func DefaultConfig() Config {
	p := accountuc.DefaultPolicy()
	return Config{
		Log:          zaplog.DefaultConfig(),
		DataDir:      "data",
		HTTP:         httpapi.DefaultConfig(),
		Database:     sqlstore.Config{MaxOpenConns: 20, ConnMaxLifetime: 30 * time.Minute},
		AutoMigrate:  "auto",
		RateLimits:   rateLimitsFrom(p.Limits),
		PasswordHash: argon2id.DefaultConfig(),
		Accounts: AccountsConfig{
			SessionTTL: p.Sessions.TTL, SessionIdleTimeout: p.Sessions.IdleTimeout,
			LockoutMaxFailures: p.Lockout.MaxFailures, LockoutWindow: p.Lockout.Window, LockoutDuration: p.Lockout.LockFor,
		},
		BreachCheckAPI:     hibp.DefaultConfig(),
		CompanionRetention: companionuc.DefaultPolicy().Retention,
		LLM:                openai.DefaultConfig(),
		Offline:            offline.DefaultConfig(),
		Chat:               chatConfigFrom(chatuc.DefaultLimits()),
		TurnRunner:         "local",
		Runner:             local.DefaultConfig(),
		Temporal:           temporalwf.DefaultConfig(),
	}
}

func chatConfigFrom(l chatuc.Limits) ChatConfig {
	return ChatConfig{ContextTokens: l.ContextTokens, HistoryTokens: l.HistoryTokens, TokenBatchDelay: l.BatchDelay,
		TokenBatchBytes: l.BatchBytes, EventTTL: l.EventTTL}
}

// limits turns the configuration into the chat steps' limits.
func (c ChatConfig) limits() chatuc.Limits {
	l := chatuc.DefaultLimits()
	l.ContextTokens, l.HistoryTokens, l.BatchDelay, l.BatchBytes, l.EventTTL = c.ContextTokens, c.HistoryTokens,
		c.TokenBatchDelay, c.TokenBatchBytes, c.EventTTL
	return l
}

func (c ChatConfig) validate() error {
	var errs []error
	if c.ContextTokens < 512 {
		errs = append(errs, envflag.Fieldf("Chat.ContextTokens", "must be at least 512, got %d", c.ContextTokens))
	}
	if c.HistoryTokens < 1 || c.HistoryTokens >= c.ContextTokens {
		errs = append(errs, envflag.Fieldf("Chat.HistoryTokens", "must be between 1 and the context size (%d), got %d", c.ContextTokens, c.HistoryTokens))
	}
	if c.TokenBatchDelay <= 0 || c.TokenBatchDelay > time.Second {
		errs = append(errs, envflag.Fieldf("Chat.TokenBatchDelay", "must be positive and at most 1s, got %s", c.TokenBatchDelay))
	}
	if c.TokenBatchBytes < 1 || c.TokenBatchBytes > 4096 {
		errs = append(errs, envflag.Fieldf("Chat.TokenBatchBytes", "must be between 1 and 4096, got %d", c.TokenBatchBytes))
	}
	if c.EventTTL < time.Minute {
		errs = append(errs, envflag.Fieldf("Chat.EventTTL", "must be at least 1m, got %s", c.EventTTL))
	}
	return errors.Join(errs...)
}

// offline reports whether no model server is configured: replies come from the offline model.
func (c Config) offline() bool { return c.LLM.BaseURL == "" }

// chatSettings turns the configuration into the chat use cases' settings.
func (c Config) chatSettings() chatuc.Settings {
	s := chatuc.DefaultSettings()
	r := c.RateLimits.rules()
	s.ChatRule, s.ImageRule = r.Chat, r.Image
	// A new turn is vouched for twice as long as a runner's lease before anyone may take it for
	// lost (a minute by default): time for a runner — or Temporal — to take it.
	if ttl := c.Runner.LeaseTTL; ttl > 0 {
		s.StartLease = 2 * ttl
	}
	return s
}

func rateLimitsFrom(r ratelimit.Rules) RateLimitsConfig {
	c := RateLimitsConfig{Login: r.Login.Limit, LoginIP: r.LoginIP.Limit, Register: r.Register.Limit, Chat: r.Chat.Limit, Image: r.Image.Limit,
		CompanionCreate: r.CompanionCreate.Limit, Settings: r.Settings.Limit, VoicePreview: r.VoicePreview.Limit,
		ViewCount: r.ViewCount.Limit}
	for _, rule := range r.All() {
		if rule.FailOpen {
			c.FailOpen = append(c.FailOpen, rule.Name)
		}
	}
	return c
}

// rules applies the configured limits and fail-open choices to the named rules.
func (c RateLimitsConfig) rules() ratelimit.Rules {
	r := ratelimit.DefaultRules()
	set := func(rule *ratelimit.Rule, l ratelimit.Limit) {
		rule.Limit = l
		rule.FailOpen = slices.Contains(c.FailOpen, rule.Name)
	}
	set(&r.Login, c.Login)
	set(&r.LoginIP, c.LoginIP)
	set(&r.Register, c.Register)
	set(&r.Chat, c.Chat)
	set(&r.Image, c.Image)
	set(&r.CompanionCreate, c.CompanionCreate)
	set(&r.Settings, c.Settings)
	set(&r.VoicePreview, c.VoicePreview)
	set(&r.ViewCount, c.ViewCount)
	return r
}

// policy turns the configuration into the account use cases' policy.
func (c Config) policy() accountuc.Policy {
	return accountuc.Policy{
		Sessions: account.SessionPolicy{TTL: c.Accounts.SessionTTL, IdleTimeout: c.Accounts.SessionIdleTimeout},
		Lockout: account.LockoutPolicy{MaxFailures: c.Accounts.LockoutMaxFailures, Window: c.Accounts.LockoutWindow,
			LockFor: c.Accounts.LockoutDuration},
		Limits: c.RateLimits.rules(),
	}
}

// blobs resolves the blob store settings: an empty URL means the blobs directory in the data dir.
func (c Config) blobs() blob.Config {
	b := c.Blobs
	if !b.URL.IsSet() {
		b.URL = secret.String(filepath.Join(filepath.Clean(c.DataDir), "blobs"))
	}
	return b
}

// companionPolicy turns the configuration into the companion use cases' policy.
func (c Config) companionPolicy() companionuc.Policy {
	r := c.RateLimits.rules()
	return companionuc.Policy{CreateRule: r.CompanionCreate, UpdateRule: r.Settings, Retention: c.CompanionRetention}
}

// database resolves the database settings: an empty URL means the SQLite file in the data dir.
func (c Config) database() sqlstore.Config {
	d := c.Database
	if !d.URL.IsSet() {
		d.URL = secret.String(sqlstore.SQLiteURL(filepath.Clean(c.DataDir)))
	}
	return d
}

// Validate checks the whole configuration and reports every problem as a field error, which the
// binary turns into messages naming the variables.
func (c Config) Validate() error {
	errs := []error{
		envflag.Within("Log", c.Log.Validate()),
		envflag.Within("HTTP", c.HTTP.Validate()),
		envflag.Within("Database", c.database().Validate()),
		envflag.Within("Blobs", c.blobs().Validate()),
		envflag.Within("PasswordHash", c.PasswordHash.Validate()),
	}
	if c.DataDir == "" {
		errs = append(errs, envflag.Field("DataDir", "must not be empty"))
	}
	if !slices.Contains([]string{"auto", "always", "never"}, c.AutoMigrate) {
		errs = append(errs, envflag.Fieldf("AutoMigrate", "must be auto, always or never, got %q", c.AutoMigrate))
	}
	if !slices.Contains([]string{"", "memory", "postgres", "redis"}, c.RateLimitStore) {
		errs = append(errs, envflag.Fieldf("RateLimitStore", "must be memory, postgres or redis, got %q", c.RateLimitStore))
	}
	if c.Redis.URL.IsSet() {
		errs = append(errs, envflag.Within("Redis", c.Redis.Validate()))
	}
	if c.RateLimitStore == "redis" && !c.Redis.URL.IsSet() {
		errs = append(errs, envflag.Field("RateLimitStore", "is redis but COMPANIONHUB_REDIS_URL is not set"))
	}
	if c.RateLimitStore == "postgres" && c.database().Dialect() != sqlstore.Postgres {
		errs = append(errs, envflag.Field("RateLimitStore", "is postgres but the database is not PostgreSQL"))
	}
	if c.BreachCheck {
		errs = append(errs, envflag.Within("BreachCheckAPI", c.BreachCheckAPI.Validate()))
	}
	if c.CompanionRetention <= 0 {
		errs = append(errs, envflag.Fieldf("CompanionRetention", "must be positive, got %s", c.CompanionRetention))
	}
	if c.offline() {
		errs = append(errs, envflag.Within("Offline", c.Offline.Validate()))
	} else {
		errs = append(errs, envflag.Within("LLM", c.LLM.Validate()))
	}
	if !slices.Contains([]string{"", "memory", "postgres", "redis"}, c.StreamBus) {
		errs = append(errs, envflag.Fieldf("StreamBus", "must be memory, postgres or redis, got %q", c.StreamBus))
	}
	if c.StreamBus == "redis" && !c.Redis.URL.IsSet() {
		errs = append(errs, envflag.Field("StreamBus", "is redis but COMPANIONHUB_REDIS_URL is not set"))
	}
	if c.StreamBus == "postgres" && c.database().Dialect() != sqlstore.Postgres {
		errs = append(errs, envflag.Field("StreamBus", "is postgres but the database is not PostgreSQL"))
	}
	switch c.TurnRunner {
	case "local":
	case "temporal":
		errs = append(errs, c.validateTemporal())
	default:
		errs = append(errs, envflag.Fieldf("TurnRunner", "must be local or temporal, got %q", c.TurnRunner))
	}
	errs = append(errs, envflag.Within("Runner", c.Runner.Validate()), c.Chat.validate(),
		c.Accounts.validate(), c.RateLimits.validate())
	return errors.Join(errs...)
}

// ValidateWorker checks what a Temporal worker needs beyond Validate: the Temporal settings and a
// stream bus the servers see.
func (c Config) ValidateWorker() error { return c.validateTemporal() }

// validateTemporal checks what running turns on Temporal needs: the service's settings, and a
// stream bus that other processes see (the worker publishes what the server's clients follow).
func (c Config) validateTemporal() error {
	errs := []error{envflag.Within("Temporal", c.Temporal.Validate())}
	if c.streamBus() == "memory" {
		errs = append(errs, envflag.Field("StreamBus", "is memory, which worker processes cannot publish to: "+
			"use PostgreSQL (COMPANIONHUB_DATABASE_URL) or Redis (COMPANIONHUB_REDIS_URL) with Temporal"))
	}
	return errors.Join(errs...)
}

// streamBus is the stream bus in use: the configured one, or the most shared one available.
func (c Config) streamBus() string {
	switch {
	case c.StreamBus != "":
		return c.StreamBus
	case c.Redis.URL.IsSet():
		return "redis"
	case c.database().Dialect() == sqlstore.Postgres:
		return "postgres"
	}
	return "memory"
}

func (a AccountsConfig) validate() error {
	var errs []error
	positive := func(path string, d time.Duration) {
		if d <= 0 {
			errs = append(errs, envflag.Fieldf("Accounts."+path, "must be positive, got %s", d))
		}
	}
	positive("SessionTTL", a.SessionTTL)
	positive("SessionIdleTimeout", a.SessionIdleTimeout)
	positive("LockoutWindow", a.LockoutWindow)
	positive("LockoutDuration", a.LockoutDuration)
	if a.LockoutMaxFailures < 1 {
		errs = append(errs, envflag.Fieldf("Accounts.LockoutMaxFailures", "must be at least 1, got %d", a.LockoutMaxFailures))
	}
	return errors.Join(errs...)
}

func (r RateLimitsConfig) validate() error {
	var errs []error
	for name, l := range map[string]ratelimit.Limit{"Login": r.Login, "LoginIP": r.LoginIP, "Register": r.Register, "Chat": r.Chat,
		"Image": r.Image, "CompanionCreate": r.CompanionCreate, "Settings": r.Settings,
		"VoicePreview": r.VoicePreview, "ViewCount": r.ViewCount} {
		if err := l.Validate(); err != nil {
			errs = append(errs, envflag.Fieldf("RateLimits."+name, "%v", err))
		}
	}
	names := map[string]bool{}
	for _, rule := range ratelimit.DefaultRules().All() {
		names[rule.Name] = true
	}
	for _, n := range r.FailOpen {
		if !names[n] {
			errs = append(errs, envflag.Fieldf("RateLimits.FailOpen", "unknown rule %q", n))
		}
	}
	return errors.Join(errs...)
}
