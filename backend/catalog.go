package backend

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/companionhub/companionhub/envflag"
)

// Catalog lists the backends of one feature that a binary links, in the order they were given.
type Catalog[P any] struct {
	feature  string
	backends []Backend[P]
}

// NewCatalog lists backends for feature (a short name such as "image" or "llm", without dashes or
// dots: the settings' error messages say it). Names must be unique and not empty; a mistake is a
// programming error and panics, as a catalogue is built once at start from constants.
func NewCatalog[P any](feature string, backends ...Backend[P]) Catalog[P] {
	if feature == "" || strings.ContainsAny(feature, " .-") {
		panic(fmt.Sprintf("backend: feature name %q needs letters without spaces, dots or dashes", feature))
	}
	return Catalog[P]{feature: feature}.With(backends...)
}

// With returns the catalogue with more backends. A backend with the name of one already listed
// replaces it (an embedder may swap the implementation behind a name).
func (c Catalog[P]) With(backends ...Backend[P]) Catalog[P] {
	out := Catalog[P]{feature: c.feature, backends: slices.Clone(c.backends)}
	for _, b := range backends {
		if b.Name == "" || strings.ContainsAny(b.Name, " .") || b.Open == nil {
			panic(fmt.Sprintf("backend: %s backend %q needs a name without spaces or dots and an Open function", c.feature, b.Name))
		}
		if i := slices.IndexFunc(out.backends, func(x Backend[P]) bool { return x.Name == b.Name }); i >= 0 {
			out.backends[i] = b
			continue
		}
		out.backends = append(out.backends, b)
	}
	return out
}

// Feature is the catalogue's feature name.
func (c Catalog[P]) Feature() string { return c.feature }

// Names lists the backends, in catalogue order.
func (c Catalog[P]) Names() []string {
	names := make([]string, len(c.backends))
	for i, b := range c.backends {
		names[i] = b.Name
	}
	return names
}

// Lookup finds a backend by name.
func (c Catalog[P]) Lookup(name string) (Backend[P], bool) {
	i := slices.IndexFunc(c.backends, func(b Backend[P]) bool { return b.Name == name })
	if i < 0 {
		return Backend[P]{}, false
	}
	return c.backends[i], true
}

// ErrUnknown is wrapped by the errors about a provider name no backend of the catalogue has.
var ErrUnknown = errors.New("unknown provider")

func (c Catalog[P]) unknown(name string) error {
	return fmt.Errorf("%w %q: this build has %s", ErrUnknown, name, strings.Join(c.Names(), ", "))
}

// Defaults adds the own settings of every backend of the catalogue, with their defaults, to cs —
// for the backends cs has none of yet, or settings of another kind (the backend behind the name
// was replaced): settings already there for the same backend (an embedder's, or applied from the
// environment) are kept.
func (c Catalog[P]) Defaults(cs *Configs) {
	for _, b := range c.backends {
		if own := c.own(b, *cs); own != nil {
			cs.Set(c.feature, b.Name, own)
		}
	}
}

// own is the backend's own settings from cs, or its defaults when cs has none of its kind (none
// at all, or a replaced backend's).
func (c Catalog[P]) own(b Backend[P], cs Configs) Config {
	if b.Config == nil {
		return nil
	}
	fresh := b.Config()
	if cfg := cs.Get(c.feature, b.Name); cfg != nil && reflect.TypeOf(cfg) == reflect.TypeOf(fresh) {
		return cfg
	}
	return fresh
}

// Check validates settings that choose a backend of the catalogue: the provider is one of its
// names, the backend accepts the settings, and its own settings (from cs) are valid. Errors are
// envflag field errors: those of the settings under at (Provider, BaseURL, …), those of the
// backend's own settings under configsAt, where the Configs are bound.
func (c Catalog[P]) Check(s Settings, cs Configs, at, configsAt string) error {
	b, ok := c.Lookup(s.Provider)
	if !ok {
		return envflag.Within(at, envflag.Fieldf("Provider", "%w", c.unknown(s.Provider)))
	}
	errs := []error{}
	if s.Timeout <= 0 {
		errs = append(errs, envflag.Within(at, envflag.Fieldf("Timeout", "must be positive, got %s", s.Timeout)))
	}
	if b.Validate != nil {
		errs = append(errs, envflag.Within(at, b.Validate(s)))
	}
	if own := c.own(b, cs); own != nil {
		errs = append(errs, envflag.Within(configsAt+"."+key(c.feature, b.Name), own.Validate()))
	}
	return errors.Join(errs...)
}

// Open opens the backend s chooses, with its own settings from cs.
func (c Catalog[P]) Open(ctx context.Context, s Settings, cs Configs, d Deps) (P, func(), error) {
	var zero P
	b, ok := c.Lookup(s.Provider)
	if !ok {
		return zero, nil, fmt.Errorf("%s: %w", c.feature, c.unknown(s.Provider))
	}
	p, cleanup, err := b.Open(ctx, s, c.own(b, cs), d)
	if err != nil {
		return zero, nil, fmt.Errorf("open the %s backend %s: %w", c.feature, b.Name, err)
	}
	if cleanup == nil {
		cleanup = func() {}
	}
	return p, cleanup, nil
}
