package core

import (
	"errors"
	"slices"
	"strings"

	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/ratelimit"
)

// RateLimitsConfig holds the limits of SPEC §3.1 as N/duration: one variable per rule of
// ratelimit.DefaultRules (COMPANIONHUB_RATE_LIMIT_LOGIN, …, named and described by that table),
// and the rules that let requests through while the limiter store is down.
type RateLimitsConfig struct {
	ratelimit.Rules
	// FailOpen names the rules that let requests through while the limiter store is down; the
	// others refuse them (503).
	FailOpen []string
}

func rateLimitsFrom(r ratelimit.Rules) RateLimitsConfig {
	c := RateLimitsConfig{Rules: r}
	for _, rule := range r.All() {
		if rule.FailOpen {
			c.FailOpen = append(c.FailOpen, rule.Name)
		}
	}
	return c
}

// EnvMembers binds a variable per rule, named after it (RateLimitsConfig is an envflag.Group).
func (c *RateLimitsConfig) EnvMembers() []envflag.Member {
	refs := c.Rules.Refs()
	ms := make([]envflag.Member, 0, len(refs)+1)
	for _, r := range refs {
		ms = append(ms, envflag.Member{Name: r.Name, Env: strings.ToUpper(r.Name), Help: r.About, Value: &r.Limit})
	}
	return append(ms, envflag.Member{Name: "FailOpen", Env: "FAIL_OPEN",
		Help: "rules that allow requests while the limiter store is down", Value: &c.FailOpen})
}

// rules applies the fail-open choices to the rules.
func (c RateLimitsConfig) rules() ratelimit.Rules {
	r := c.Rules
	for _, rule := range r.Refs() {
		rule.FailOpen = slices.Contains(c.FailOpen, rule.Name)
	}
	return r
}

func (c RateLimitsConfig) validate() error {
	var errs []error
	names := map[string]bool{}
	for _, r := range c.Rules.All() {
		names[r.Name] = true
		if err := r.Limit.Validate(); err != nil {
			errs = append(errs, envflag.Fieldf("RateLimits."+r.Name, "%v", err))
		}
	}
	for _, n := range c.FailOpen {
		if !names[n] {
			errs = append(errs, envflag.Fieldf("RateLimits.FailOpen", "unknown rule %q", n))
		}
	}
	return errors.Join(errs...)
}
