package core

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/companionhub/companionhub/adapter/argon2id"
	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/adapter/hibp"
	"github.com/companionhub/companionhub/adapter/httpapi"
	"github.com/companionhub/companionhub/adapter/local"
	"github.com/companionhub/companionhub/adapter/sqlstore"
	"github.com/companionhub/companionhub/adapter/zaplog"
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain/account"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
	accountuc "github.com/companionhub/companionhub/usecase/account"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/proactive"

	"github.com/companionhub/companionhub/usecase/voice"
)

// EnvPrefix starts every environment variable of the hub.
const EnvPrefix = "COMPANIONHUB_"

// Config is everything a hub can be told. Every field is an environment variable COMPANIONHUB_…
// with an equivalent flag (see envflag and the README's table); DefaultConfig is the embedded
// profile: SQLite in ./data, in-process everything, no network calls.
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
	// RateLimitStore picks where limiter state lives; empty chooses the most shared store available.
	RateLimitStore string           `env:"RATE_LIMIT_STORE" help:"memory, postgres or redis (default: redis if REDIS_URL is set, else postgres on PostgreSQL, else memory)"`
	RateLimits     RateLimitsConfig `envprefix:"RATE_LIMIT_"`
	Accounts       AccountsConfig   `envprefix:""`
	// CompanionRetention is how long a trashed companion can be restored before
	// `companionhub admin purge-companions` deletes it with its files.
	CompanionRetention time.Duration `env:"COMPANION_RETENTION" help:"how long trashed companions are kept before purging"`
	// OrphanSweepEvery is how often serving deletes the stored files no row refers to and what
	// crashes left of the store's own files, once past the default grace — what
	// `companionhub admin cleanup-orphans` does — so that the embedded profile needs no scheduled
	// job; 0 leaves it to that command.
	OrphanSweepEvery time.Duration   `env:"ORPHAN_SWEEP_EVERY" help:"how often serve deletes stored files no row refers to and leftovers of interrupted writes, once an hour old (0: never; the first sweep comes minutes after start)"`
	PasswordHash     argon2id.Config `envprefix:""`
	// BreachCheck, when on, asks a Have I Been Pwned-compatible range API whether a new password
	// appeared in a breach (k-anonymity: only 5 hex digits of its SHA-1 leave the hub). Off by default
	// because it is a call to a third party.
	BreachCheck    bool        `env:"BREACH_CHECK" help:"reject passwords found in known breaches (calls the range API)"`
	BreachCheckAPI hibp.Config `envprefix:""`
	// LLM is the language model: with no provider named, an OpenAI-compatible server when a base
	// URL is set, the offline model otherwise.
	LLM backend.Feature `envprefix:"LLM_"`
	// Images, Speech and Embeddings are the backends of pictures, voice and memory recall by
	// meaning; with no provider named the feature is off (a turn carries on without it).
	Images     backend.Feature `envprefix:"IMAGE_"`
	Speech     backend.Feature `envprefix:"TTS_"`
	Embeddings backend.Feature `envprefix:"EMBEDDINGS_"`
	// Transcription is the backend of voice notes (speech to text); with no provider named a
	// voice note is refused as not configured.
	Transcription backend.Feature `envprefix:"STT_"`
	// Notify tells people who asked for it that a companion wrote to them first (a webhook, ntfy);
	// with no provider named nobody is told outside the hub.
	Notify backend.Feature `envprefix:"NOTIFY_"`
	// SpokenChars bounds what one reply speaks (the speech APIs' own limits are of this order).
	SpokenChars int `env:"TTS_MAX_CHARS" help:"most characters of a reply that are spoken, cut at a sentence end (at most 2500)"`
	// Backends holds the own settings of every backend the build links (COMPANIONHUB_OFFLINE_…,
	// COMPANIONHUB_LLM_FIRST_BYTE_TIMEOUT, …); the chosen ones are validated and used.
	Backends backend.Configs `envprefix:""`
	Chat     ChatConfig      `envprefix:""`
	// TurnRunner picks where chat turns run: in this process ("local"), or as Temporal workflows
	// executed by `companionhub worker` processes ("temporal", the production profile).
	TurnRunner string `env:"TURN_RUNNER" help:"local (turns run in this process) or temporal (turns run by companionhub worker processes)"`
	// Runner sizes the in-process turn runner; its lease settings apply to every runner.
	Runner local.Config `envprefix:""`
	// StreamBus picks how turn events travel; empty chooses the most shared store available.
	StreamBus string `env:"STREAM_BUS" help:"memory, postgres or redis (default: redis if REDIS_URL is set, else postgres on PostgreSQL, else memory)"`
	// Scheduler sizes the in-process scheduler that fires schedules (every replica runs one; a
	// claim in the shared database fires each occurrence once).
	Scheduler local.SchedulerConfig `envprefix:""`
	// Proactive bounds companions writing first.
	Proactive ProactiveConfig `envprefix:""`
	// Usage counts what providers do for whom, prices it and sets daily quotas.
	Usage UsageConfig `envprefix:""`
}

// UsageConfig is how usage is counted and bounded: every person's daily quotas (0: no limit; an
// operator may set other ones per person with `companionhub admin quota`), the price table that
// turns usage into cost, and how often counted usage is written.
type UsageConfig struct {
	DailyTokens   int64         `env:"QUOTA_DAILY_TOKENS" help:"model tokens (prompt and reply) a person may use per UTC day (0: no limit)"`
	DailyPictures int64         `env:"QUOTA_DAILY_PICTURES" help:"pictures a person may have drawn per UTC day (0: no limit)"`
	DailySpeech   int64         `env:"QUOTA_DAILY_SPEECH_CHARS" help:"characters a person may have spoken per UTC day (0: no limit)"`
	PricesFile    string        `env:"PRICE_TABLE" help:"JSON price table that turns usage into cost (empty: no prices; see the README)"`
	FlushInterval time.Duration `env:"USAGE_FLUSH_INTERVAL" help:"how often counted usage is written to the database"`
}

// Validate checks the usage settings.
func (c UsageConfig) Validate() error {
	var errs []error
	for _, q := range []struct {
		field string
		v     int64
	}{{"DailyTokens", c.DailyTokens}, {"DailyPictures", c.DailyPictures}, {"DailySpeech", c.DailySpeech}} {
		if q.v < 0 {
			errs = append(errs, envflag.Fieldf(q.field, "must be 0 (no limit) or more, got %d", q.v))
		}
	}
	if c.FlushInterval < time.Second {
		errs = append(errs, envflag.Fieldf("FlushInterval", "must be at least 1s, got %s", c.FlushInterval))
	}
	return errors.Join(errs...)
}

// ProactiveConfig bounds companions that write first (schedules).
type ProactiveConfig struct {
	DailyCap   int    `env:"PROACTIVE_DAILY_CAP" help:"messages a person's companions may write first in 24 hours (0: none; a person may choose fewer)"`
	QuietHours string `env:"PROACTIVE_QUIET_HOURS" help:"HH:MM-HH:MM in each schedule's time zone when nothing is sent (off: never quiet; a person may choose their own)"`
}

// ChatConfig tunes the chat turn.
type ChatConfig struct {
	ContextTokens   int           `env:"LLM_CONTEXT_TOKENS" help:"the model's context window, in tokens"`
	HistoryTokens   int           `env:"LLM_HISTORY_TOKENS" help:"most tokens of conversation history sent with a reply (DeepThink may use the whole window)"`
	TokenBatchDelay time.Duration `env:"TOKEN_BATCH_DELAY" help:"longest a streamed reply piece waits to be published with the next"`
	TokenBatchBytes int           `env:"TOKEN_BATCH_BYTES" help:"bytes of reply that are published at once without waiting"`
	EventTTL        time.Duration `env:"TURN_EVENT_TTL" help:"how long a finished turn's events can be replayed"`
	FollowCheck     time.Duration `env:"TURN_FOLLOW_CHECK" help:"how long a follower of a running turn waits in silence before it checks whether the turn ended"`
	RecallBudget    time.Duration `env:"RECALL_BUDGET" help:"longest the reply waits for recalled memories before it is written without them"`
}

// AccountsConfig tunes sessions and the login lockout.
type AccountsConfig struct {
	SessionTTL         time.Duration `env:"SESSION_TTL" help:"absolute lifetime of a session"`
	SessionIdleTimeout time.Duration `env:"SESSION_IDLE_TIMEOUT" help:"a session unused this long ends"`
	// Failed logins count per account and client address, and per account across addresses
	// (account.LockoutPolicy says why).
	LockoutMaxFailures        int           `env:"LOCKOUT_MAX_FAILURES" help:"failed logins from one client address that lock the account for that address"`
	LockoutAccountMaxFailures int           `env:"LOCKOUT_ACCOUNT_MAX_FAILURES" help:"failed logins from all addresses together that lock the account for everyone"`
	LockoutWindow             time.Duration `env:"LOCKOUT_WINDOW" help:"failures further apart than this start a new count"`
	LockoutDuration           time.Duration `env:"LOCKOUT_DURATION" help:"how long a locked account refuses logins"`
}

// The help of the feature settings.
var (
	llmHelp = backend.FeatureHelp{
		Provider: "language model backend: %s (default: openai when LLM_BASE_URL is set, else offline)",
		BaseURL:  "base URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1 (unset: the offline model)",
		APIKey:   "API key of the LLM provider (sent as a bearer token)",
		Model:    "model name used when a call does not name one",
		Timeout:  "time allowed for one model call, streaming included",
	}
	imageHelp = backend.FeatureHelp{
		Provider: "image backend that draws pictures: %s (set it empty to turn pictures off)",
		BaseURL:  "base URL of the image backend's API",
		APIKey:   "API key of the image backend",
		Model:    "model or checkpoint the image backend uses",
		Timeout:  "time allowed for one picture",
	}
	speechHelp = backend.FeatureHelp{
		Provider: "text-to-speech backend that speaks replies: %s (set it empty to turn voice off)",
		BaseURL:  "base URL of the text-to-speech API",
		APIKey:   "API key of the text-to-speech backend",
		Model:    "model the text-to-speech backend uses",
		Timeout:  "time allowed for one spoken reply",
	}
	transcriptionHelp = backend.FeatureHelp{
		Provider: "speech-to-text backend that transcribes voice notes: %s (empty: voice notes are off)",
		BaseURL:  "base URL of the speech-to-text API (OpenAI-compatible: whisper.cpp's and faster-whisper's servers speak it)",
		APIKey:   "API key of the speech-to-text backend",
		Model:    "model the speech-to-text backend uses",
		Timeout:  "time allowed for one voice note's transcription",
	}
	notifyHelp = backend.FeatureHelp{
		Provider: "what tells people that a companion wrote to them first: %s (empty: nothing is sent out)",
		BaseURL:  "the webhook's URL, or the ntfy server (default https://ntfy.sh)",
		APIKey:   "the webhook's signing secret, or the ntfy access token",
		Model:    "not used by the notification backends",
		Timeout:  "time allowed for one delivery attempt",
	}
	embeddingsHelp = backend.FeatureHelp{
		Provider: "embeddings backend for recall by meaning, once memories are stored: %s (empty: none)",
		BaseURL:  "base URL of the embeddings API",
		APIKey:   "API key of the embeddings backend",
		Model:    "model the embeddings backend uses",
		Timeout:  "time allowed for one embeddings call",
	}
)

// DefaultConfig is the embedded profile, with the own settings of the backends of Builtin.
func DefaultConfig() Config {
	p := accountuc.DefaultPolicy()
	c := Config{
		Log:          zaplog.DefaultConfig(),
		DataDir:      "data",
		HTTP:         httpapi.DefaultConfig(),
		Database:     sqlstore.Config{MaxOpenConns: 20, ConnMaxLifetime: 30 * time.Minute},
		AutoMigrate:  "auto",
		RateLimits:   rateLimitsFrom(p.Limits),
		PasswordHash: argon2id.DefaultConfig(),
		Accounts: AccountsConfig{
			SessionTTL: p.Sessions.TTL, SessionIdleTimeout: p.Sessions.IdleTimeout,
			LockoutMaxFailures: p.Lockout.MaxFailures, LockoutAccountMaxFailures: p.Lockout.MaxAccountFailures,
			LockoutWindow: p.Lockout.Window, LockoutDuration: p.Lockout.LockFor,
		},
		BreachCheckAPI:     hibp.DefaultConfig(),
		CompanionRetention: companionuc.DefaultPolicy().Retention,
		OrphanSweepEvery:   24 * time.Hour,
		SpokenChars:        voice.MaxSpokenText,
		LLM:                backend.NewFeature(backend.Settings{Timeout: 3 * time.Minute}, llmHelp),
		Images:             backend.NewFeature(backend.Settings{Provider: "offline", Timeout: 3 * time.Minute}, imageHelp),
		Speech:             backend.NewFeature(backend.Settings{Provider: "offline", Timeout: time.Minute}, speechHelp),
		Transcription:      backend.NewFeature(backend.Settings{Timeout: 2 * time.Minute}, transcriptionHelp),
		Notify:             backend.NewFeature(backend.Settings{Timeout: 10 * time.Second}, notifyHelp),
		Embeddings:         backend.NewFeature(backend.Settings{Timeout: 30 * time.Second}, embeddingsHelp),
		Chat:               chatConfigFrom(chatuc.DefaultLimits(), chatuc.DefaultSettings()),
		TurnRunner:         "local",
		Runner:             local.DefaultConfig(),
		Scheduler:          local.DefaultSchedulerConfig(),
		Proactive: ProactiveConfig{DailyCap: proactive.DefaultPolicy().DailyCap,
			QuietHours: proactive.DefaultPolicy().Quiet.String()},
		Usage: UsageConfig{FlushInterval: 10 * time.Second},
	}
	Builtin().Apply(&c)
	return c
}

func chatConfigFrom(l chatuc.Limits, s chatuc.Settings) ChatConfig {
	return ChatConfig{ContextTokens: l.ContextTokens, HistoryTokens: l.HistoryTokens, TokenBatchDelay: l.BatchDelay,
		TokenBatchBytes: l.BatchBytes, EventTTL: l.EventTTL, FollowCheck: s.FollowCheck, RecallBudget: l.RecallBudget}
}

// limits turns the configuration into the chat steps' limits.
func (c ChatConfig) limits() chatuc.Limits {
	l := chatuc.DefaultLimits()
	l.ContextTokens, l.HistoryTokens, l.BatchDelay, l.BatchBytes, l.EventTTL, l.RecallBudget = c.ContextTokens,
		c.HistoryTokens, c.TokenBatchDelay, c.TokenBatchBytes, c.EventTTL, c.RecallBudget
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
	if c.FollowCheck <= 0 {
		errs = append(errs, envflag.Fieldf("Chat.FollowCheck", "must be positive, got %s", c.FollowCheck))
	}
	// At most half the recall step's own timeout, so that the budget, not the step's timeout, cuts
	// a slow recall off (and says so).
	if limit := chatuc.Policies[chatuc.StepRecall].Timeout / 2; c.RecallBudget <= 0 || c.RecallBudget > limit {
		errs = append(errs, envflag.Fieldf("Chat.RecallBudget", "must be positive and at most %s, got %s", limit, c.RecallBudget))
	}
	return errors.Join(errs...)
}

// LLMSettings are the language model's settings with the provider resolved: the one named, or
// openai when a base URL is set, offline otherwise.
func (c Config) LLMSettings() backend.Settings {
	s := c.LLM.Settings
	if s.Provider == "" {
		s.Provider = "offline"
		if strings.TrimSpace(s.BaseURL) != "" {
			s.Provider = "openai"
		}
	}
	return s
}

// chatSettings turns the configuration into the chat use cases' settings.
func (c Config) chatSettings() chatuc.Settings {
	s := chatuc.DefaultSettings()
	r := c.RateLimits.rules()
	s.ChatRule, s.ImageRule, s.FollowCheck = r.Chat, r.Image, c.Chat.FollowCheck
	// A new turn is vouched for twice as long as a runner's lease before anyone may take it for
	// lost (a minute by default): time for a runner — or Temporal — to take it.
	if ttl := c.Runner.LeaseTTL; ttl > 0 {
		s.StartLease = 2 * ttl
	}
	return s
}

// policy turns the configuration into the account use cases' policy.
func (c Config) policy() accountuc.Policy {
	return accountuc.Policy{
		Sessions: account.SessionPolicy{TTL: c.Accounts.SessionTTL, IdleTimeout: c.Accounts.SessionIdleTimeout},
		Lockout: account.LockoutPolicy{MaxFailures: c.Accounts.LockoutMaxFailures,
			MaxAccountFailures: c.Accounts.LockoutAccountMaxFailures, Window: c.Accounts.LockoutWindow,
			LockFor: c.Accounts.LockoutDuration},
		Limits: c.RateLimits.rules(),
	}
}

// BlobConfig resolves the blob store settings: an empty URL means the blobs directory in the data dir.
func (c Config) BlobConfig() blob.Config {
	b := c.Blobs
	if !b.URL.IsSet() {
		b.URL = secret.String(filepath.Join(filepath.Clean(c.DataDir), "blobs"))
	}
	return b
}

// companionPolicy turns the configuration into the companion use cases' policy.
func (c Config) proactivePolicy() proactive.Policy {
	p := proactive.DefaultPolicy()
	p.Change = c.RateLimits.rules().Settings
	p.DailyCap = c.Proactive.DailyCap
	p.Quiet, _ = proactive.ParseQuietHours(c.Proactive.QuietHours) // validated
	return p
}

func (c Config) companionPolicy() companionuc.Policy {
	r := c.RateLimits.rules()
	return companionuc.Policy{CreateRule: r.CompanionCreate, UpdateRule: r.Settings, Retention: c.CompanionRetention}
}

// DatabaseConfig resolves the database settings: an empty URL means the SQLite file in the data dir.
func (c Config) DatabaseConfig() sqlstore.Config {
	d := c.Database
	if !d.URL.IsSet() {
		d.URL = secret.String(sqlstore.SQLiteURL(filepath.Clean(c.DataDir)))
	}
	return d
}

// Postgres reports whether the database is PostgreSQL.
func (c Config) Postgres() bool { return c.DatabaseConfig().Dialect() == sqlstore.Postgres }

// Validate checks the whole configuration against the backends of Builtin and reports every
// problem as a field error, which the binary turns into messages naming the variables.
// (Check validates with other catalogues, or for ports an embedder brings.)
func (c Config) Validate() error { return Check(c) }

// validate checks c for a hub whose ports p were given (their settings are not checked).
func (c Config) validate(cs Catalogs, p ports) error {
	errs := []error{
		envflag.Within("Log", c.Log.Validate()),
		envflag.Within("HTTP", c.HTTP.Validate()),
		envflag.Within("Database", c.DatabaseConfig().Validate()),
		envflag.Within("Blobs", c.BlobConfig().Validate()),
		envflag.Within("PasswordHash", c.PasswordHash.Validate()),
		cs.check(c, p),
	}
	if c.DataDir == "" {
		errs = append(errs, envflag.Field("DataDir", "must not be empty"))
	}
	if !slices.Contains([]string{"auto", "always", "never"}, c.AutoMigrate) {
		errs = append(errs, envflag.Fieldf("AutoMigrate", "must be auto, always or never, got %q", c.AutoMigrate))
	}
	postgres := c.Postgres()
	if p.db != nil { // the database the embedder opened, whatever DATABASE_URL says
		postgres = p.db.Dialect == sqlstore.Postgres
	}
	for _, choice := range []struct{ field, value string }{{"RateLimitStore", c.RateLimitStore}, {"StreamBus", c.StreamBus}} {
		if !slices.Contains([]string{"", "memory", "postgres", "redis"}, choice.value) {
			errs = append(errs, envflag.Fieldf(choice.field, "must be memory, postgres or redis, got %q", choice.value))
		}
		if choice.value == "postgres" && !postgres {
			errs = append(errs, envflag.Field(choice.field, "is postgres but the database is not PostgreSQL"))
		}
	}
	if c.BreachCheck {
		errs = append(errs, envflag.Within("BreachCheckAPI", c.BreachCheckAPI.Validate()))
	}
	if c.SpokenChars < 1 || c.SpokenChars > voice.MaxSpokenText {
		errs = append(errs, envflag.Fieldf("SpokenChars", "must be between 1 and %d, got %d", voice.MaxSpokenText, c.SpokenChars))
	}
	errs = append(errs, envflag.Within("Scheduler", c.Scheduler.Validate()), envflag.Within("Usage", c.Usage.Validate()))
	if _, err := proactive.ParseQuietHours(c.Proactive.QuietHours); err != nil {
		errs = append(errs, envflag.Fieldf("Proactive.QuietHours", "%v", err))
	}
	if c.Proactive.DailyCap < 0 {
		errs = append(errs, envflag.Fieldf("Proactive.DailyCap", "must not be negative, got %d", c.Proactive.DailyCap))
	}
	if c.CompanionRetention <= 0 {
		errs = append(errs, envflag.Fieldf("CompanionRetention", "must be positive, got %s", c.CompanionRetention))
	}
	if c.OrphanSweepEvery != 0 && c.OrphanSweepEvery < time.Second {
		errs = append(errs, envflag.Fieldf("OrphanSweepEvery", "must be 0 (never) or at least 1s, got %s", c.OrphanSweepEvery))
	}
	if !slices.Contains([]string{"local", "temporal"}, c.TurnRunner) {
		errs = append(errs, envflag.Fieldf("TurnRunner", "must be local or temporal, got %q", c.TurnRunner))
	}
	errs = append(errs, envflag.Within("Runner", c.Runner.Validate()), c.Chat.validate(),
		c.Accounts.validate(), c.RateLimits.validate())
	return errors.Join(errs...)
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
	if a.LockoutAccountMaxFailures < a.LockoutMaxFailures {
		errs = append(errs, envflag.Fieldf("Accounts.LockoutAccountMaxFailures", "must be at least LOCKOUT_MAX_FAILURES (%d), got %d",
			a.LockoutMaxFailures, a.LockoutAccountMaxFailures))
	}
	return errors.Join(errs...)
}
