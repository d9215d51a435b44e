package openaiimages

import (
	"context"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/usecase/picture"
)

// Options are the backend's own settings, beside the image settings every picture backend reads.
type Options struct {
	// NegativePrompt says what happens to negative prompts, which the API has no field for (see
	// Config).
	NegativePrompt string `env:"IMAGE_OPENAI_NEGATIVE_PROMPT" help:"what the OpenAI image backend does with negative prompts, which its API has no field for: drop, or append (as \"Avoid: …\")"`
	// FetchAllow lists the non-public addresses (CIDR prefixes or addresses, comma-separated) that a
	// picture URL on another host than the API's may be fetched from (see Config.FetchAllow).
	FetchAllow string `env:"IMAGE_OPENAI_FETCH_ALLOW" help:"internal addresses (CIDR prefixes or addresses, comma-separated) the OpenAI image backend may fetch a picture URL from when it is on another host than the API's; by default such URLs reach public addresses only, directly (never through HTTPS_PROXY)"`
}

// DefaultOptions drop negative prompts.
func DefaultOptions() Options { return Options{NegativePrompt: string(NegativeDrop)} }

// Validate checks that NegativePrompt is drop or append.
func (o Options) Validate() error {
	if n := NegativePrompt(o.NegativePrompt); n != NegativeDrop && n != NegativeAppend {
		return envflag.Field("NegativePrompt", "must be drop or append")
	}
	if _, err := providerhttp.ParsePrefixes(o.FetchAllow); err != nil {
		return envflag.Field("FetchAllow", err.Error())
	}
	return nil
}

// Backend describes the client for a catalogue of picture backends: named "openai", it reads the
// image settings (base URL, empty for OpenAI's; API key, required for OpenAI's; model, empty for
// DefaultModel; timeout) and its Options.
func Backend() backend.Backend[picture.Generator] {
	config := func(s backend.Settings, o Options) Config {
		allow, _ := providerhttp.ParsePrefixes(o.FetchAllow) // checked by Options.Validate
		return Config{BaseURL: s.BaseURL, APIKey: s.APIKey, Model: s.Model, Timeout: s.Timeout,
			NegativePrompt: NegativePrompt(o.NegativePrompt), FetchAllow: allow}
	}
	return backend.Backend[picture.Generator]{
		Name: "openai",
		Config: func() backend.Config {
			o := DefaultOptions()
			return &o
		},
		// The catalogue checks the Timeout of every backend, and the Options are checked on their
		// own; this checks what the client needs besides, so that nothing is reported twice.
		Validate: func(s backend.Settings) error {
			c := config(s, DefaultOptions())
			c.Timeout = DefaultConfig().Timeout
			return c.Validate()
		},
		Open: func(_ context.Context, s backend.Settings, own backend.Config, d backend.Deps) (picture.Generator, func(), error) {
			o, ok := own.(*Options)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "openaiimages: settings of type %T", own)
			}
			g, err := New(config(s, *o), d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return g, nil, nil
		},
	}
}
