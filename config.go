package companionhub

import (
	"errors"

	"github.com/companionhub/companionhub/adapter/redis"
	"github.com/companionhub/companionhub/adapter/sentry"
	"github.com/companionhub/companionhub/adapter/temporalwf"
	"github.com/companionhub/companionhub/core"
	"github.com/companionhub/companionhub/envflag"
)

// EnvPrefix starts every environment variable of the hub.
const EnvPrefix = core.EnvPrefix

// Config is everything a hub can be told: the core's settings, and those of the infrastructure
// this package links (Redis, Temporal). Every field is an environment variable COMPANIONHUB_… with
// an equivalent flag (see envflag and the README's table).
type Config struct {
	core.Config `envprefix:""`
	// Redis is optional; when its URL is set it becomes the rate-limit store and the stream bus
	// (unless told otherwise).
	Redis redis.Config `envprefix:""`
	// Temporal is the Temporal service of TURN_RUNNER=temporal and of workers.
	Temporal temporalwf.Config `envprefix:""`
	// WorkerHTTPAddr is where `companionhub worker` serves /healthz, /readyz and /metrics; empty
	// serves nothing.
	WorkerHTTPAddr string `env:"WORKER_HTTP_ADDR" help:"address of the worker's /healthz, /readyz and /metrics (empty: none)"`
	// Sentry receives panics and internal errors, when its DSN is set.
	Sentry sentry.Config `envprefix:""`
}

// DefaultConfig is the embedded profile: SQLite in ./data, in-process everything, no network calls.
func DefaultConfig() Config {
	c := Config{Config: core.DefaultConfig(), Temporal: temporalwf.DefaultConfig()}
	Catalogs().Apply(&c.Config)
	return c
}

// Validate checks the whole configuration and reports every problem as a field error, which the
// binary turns into messages naming the variables.
func (c Config) Validate() error {
	return c.check(nil, serving)
}

// check validates c before anything is opened, as New will use it with opts: the core's settings
// with this package's catalogues, but for the features whose ports opts bring, and the batteries',
// but for the ones opts bring.
func (c Config) check(opts []Option, r role) error {
	withCatalogs := append([]Option{core.WithCatalogs(Catalogs())}, opts...)
	return errors.Join(core.Check(c.Config, withCatalogs...), c.validateBatteries(r, core.Brings(opts...)))
}

// validateBatteries checks what the core does not know: the infrastructure this package links,
// but for the ports given.
func (c Config) validateBatteries(r role, given core.Brought) error {
	var errs []error
	if c.Redis.URL.IsSet() {
		errs = append(errs, envflag.Within("Redis", c.Redis.Validate()))
	}
	if !given.Reporter {
		errs = append(errs, envflag.Within("Sentry", c.Sentry.Validate()))
	}
	for _, choice := range []struct {
		field, value string
		given        bool
	}{{"RateLimitStore", c.RateLimitStore, given.RateLimiter}, {"StreamBus", c.StreamBus, given.StreamBus}} {
		if choice.value == "redis" && !choice.given && !c.Redis.URL.IsSet() {
			errs = append(errs, envflag.Field(choice.field, "is redis but COMPANIONHUB_REDIS_URL is not set"))
		}
	}
	if c.TurnRunner == "temporal" || r == working {
		errs = append(errs, c.validateWorker(given))
	}
	return errors.Join(errs...)
}

// ValidateWorker checks what running turns on Temporal needs beyond Validate: the service's
// settings, and a stream bus that other processes see (the worker publishes what the server's
// clients follow).
func (c Config) ValidateWorker() error { return c.validateWorker(core.Brought{}) }

// validateWorker is ValidateWorker, but for the ports given: a bus an embedder brings is theirs to
// share.
func (c Config) validateWorker(given core.Brought) error {
	errs := []error{envflag.Within("Temporal", c.Temporal.Validate())}
	if c.streamBus() == "memory" && !given.StreamBus {
		errs = append(errs, envflag.Field("StreamBus", "is memory, which worker processes cannot publish to: "+
			"use PostgreSQL (COMPANIONHUB_DATABASE_URL) or Redis (COMPANIONHUB_REDIS_URL) with Temporal"))
	}
	return errors.Join(errs...)
}

// streamBus is the stream bus in use: the configured one, or the most shared one available.
func (c Config) streamBus() string { return c.mostShared(c.StreamBus) }

// rateLimitStore is the rate-limit store in use: the configured one, or the most shared one
// available.
func (c Config) rateLimitStore() string { return c.mostShared(c.RateLimitStore) }

// mostShared is the store in use for a choice: see core.MostShared.
func (c Config) mostShared(chosen string) string {
	return core.MostShared(chosen, c.Redis.URL.IsSet(), c.Postgres())
}
