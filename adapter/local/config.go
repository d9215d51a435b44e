package local

import (
	"math"
	"time"

	"github.com/companionhub/companionhub/envflag"
)

// Config sizes the in-process runner. A zero field takes its default (DefaultConfig).
type Config struct {
	// Workers is how many turns run at once.
	Workers int `env:"TURN_WORKERS" help:"chat turns the in-process runner runs at once"`
	// Queue is how many more turns may wait for a worker before Start refuses new ones.
	Queue int `env:"TURN_QUEUE" help:"chat turns that may wait for a worker before new ones are refused"`
	// LeaseTTL is how long a turn stays claimed by this process without renewal; a turn whose
	// lease ran out is failed by whichever runner reaps it (this process crashed).
	LeaseTTL time.Duration `env:"TURN_LEASE_TTL" help:"how long a running turn stays claimed without renewal"`
	// RenewEvery is how often the leases of the turns here are renewed; well under LeaseTTL.
	RenewEvery time.Duration `env:"TURN_LEASE_RENEW_EVERY" help:"how often the leases of running turns are renewed"`
	// ReapEvery is how often turns whose lease ran out are looked for.
	ReapEvery time.Duration `env:"TURN_REAP_EVERY" help:"how often abandoned turns are looked for and failed"`
	// ShutdownGrace is how long a shutdown lets running turns finish before interrupting them.
	ShutdownGrace time.Duration `env:"TURN_SHUTDOWN_GRACE" help:"how long shutdown lets running turns finish before interrupting them"`

	// BackoffScale multiplies the pauses between the attempts of a step, on every runner (tests
	// make them short); 0 or 1 keeps them as the policies say. A pause a provider asked for
	// (Retry-After) is never shortened on Temporal.
	BackoffScale float64 `env:"TURN_BACKOFF_SCALE" help:"multiplies the pauses between a step's retries, for tests (0 or 1: as the step policies say)"`
	// NoReap leaves abandoned turns alone (tests that reap by hand); not a setting of the binary.
	NoReap bool `env:"-"`
}

// DefaultConfig returns a thousand workers and as many places in the queue (a turn mostly waits
// on a model, so workers are cheap goroutines; the model server is what limits throughput), a
// 30-second lease renewed every 10 seconds, a reap every 30 seconds and a 20-second grace period,
// which fits the usual 30 seconds a container gets to stop.
func DefaultConfig() Config {
	return Config{
		Workers:       1000,
		Queue:         1000,
		LeaseTTL:      30 * time.Second,
		RenewEvery:    10 * time.Second,
		ReapEvery:     30 * time.Second,
		ShutdownGrace: 20 * time.Second,
	}
}

// Validate checks that no field is negative and that leases are renewed well before they run out
// (at most every half LeaseTTL, so one failed renewal does not lose them), defaults applied.
func (c Config) Validate() error {
	switch {
	case c.Workers < 0:
		return envflag.Field("Workers", "must not be negative")
	case c.Queue < 0:
		return envflag.Field("Queue", "must not be negative")
	case c.LeaseTTL < 0:
		return envflag.Field("LeaseTTL", "must not be negative")
	case c.RenewEvery < 0:
		return envflag.Field("RenewEvery", "must not be negative")
	case c.ReapEvery < 0:
		return envflag.Field("ReapEvery", "must not be negative")
	case c.ShutdownGrace < 0:
		return envflag.Field("ShutdownGrace", "must not be negative")
	case c.BackoffScale < 0 || math.IsNaN(c.BackoffScale) || math.IsInf(c.BackoffScale, 0):
		return envflag.Field("BackoffScale", "must be a non-negative number")
	}
	if d := c.WithDefaults(); d.RenewEvery > d.LeaseTTL/2 {
		return envflag.Fieldf("RenewEvery", "must be at most half of LeaseTTL (%s)", d.LeaseTTL)
	}
	return nil
}

// WithDefaults fills the zero fields with DefaultConfig's.
func (c Config) WithDefaults() Config {
	d := DefaultConfig()
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&c.Workers, d.Workers)
	set(&c.Queue, d.Queue)
	setD(&c.LeaseTTL, d.LeaseTTL)
	setD(&c.RenewEvery, d.RenewEvery)
	setD(&c.ReapEvery, d.ReapEvery)
	setD(&c.ShutdownGrace, d.ShutdownGrace)
	return c
}
