package backend

import (
	"context"
	"fmt"

	"github.com/companionhub/companionhub/domain"
)

// Local describes a backend that runs in the process and reads nothing of the feature's settings
// (no URL, key or model): the offline backends. Without own settings, defaults is nil; with them,
// C is a pointer to the backend's tagged settings struct, and open gets the ones to use — checked
// again, so a caller that skipped the catalogue's check gets an error rather than a surprise.
func Local[P any, C Config](name string, defaults func() C, open func(C) (P, error)) Backend[P] {
	b := Backend[P]{Name: name}
	if defaults != nil {
		b.Config = func() Config { return defaults() }
	}
	b.Open = func(_ context.Context, _ Settings, own Config, _ Deps) (P, func(), error) {
		var zero P
		var c C
		if defaults != nil {
			var ok bool
			if c, ok = own.(C); !ok {
				return zero, nil, domain.Errorf(domain.KindInternal, "%s backend: own settings are %T, not %T", name, own, c)
			}
			if err := c.Validate(); err != nil {
				return zero, nil, domain.Errorf(domain.KindInvalid, "%s backend: %w", name, err)
			}
		}
		p, err := open(c)
		if err != nil {
			return zero, nil, fmt.Errorf("%s backend: %w", name, err)
		}
		return p, nil, nil
	}
	return b
}

// NoConfig is the settings type of a Local backend without settings of its own.
type NoConfig = *noConfig

type noConfig struct{}

func (*noConfig) Validate() error { return nil }
