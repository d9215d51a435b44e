package openai

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/llm"
)

// Options are the backend's own settings, beside the LLM settings every model backend reads.
type Options struct {
	// FirstByteTimeout bounds the wait for the first chunk of a streamed reply (see Config).
	FirstByteTimeout time.Duration `env:"LLM_FIRST_BYTE_TIMEOUT" help:"time allowed before a streamed reply starts (0: no limit besides LLM_TIMEOUT)"`
}

// DefaultOptions allow 90 seconds to the first chunk (enough for Ollama to load a large model).
func DefaultOptions() Options { return Options{FirstByteTimeout: DefaultConfig().FirstByteTimeout} }

// Validate checks that FirstByteTimeout is not negative.
func (o Options) Validate() error {
	if o.FirstByteTimeout < 0 {
		return envflag.Field("FirstByteTimeout", "must not be negative (0 disables it)")
	}
	return nil
}

// Backend describes the OpenAI-compatible client for a catalogue of language models: named
// "openai", it reads the LLM settings (base URL, key, model, timeout) and its Options.
func Backend() backend.Backend[llm.Model] {
	config := func(s backend.Settings, o Options) Config {
		return Config{BaseURL: s.BaseURL, APIKey: s.APIKey, Model: s.Model, Timeout: s.Timeout, FirstByteTimeout: o.FirstByteTimeout}
	}
	return backend.Backend[llm.Model]{
		Name: "openai",
		Config: func() backend.Config {
			o := DefaultOptions()
			return &o
		},
		// The catalogue checks the Timeout of every backend; this checks what the client needs besides.
		Validate: func(s backend.Settings) error {
			c := config(s, Options{})
			c.Timeout = DefaultConfig().Timeout
			return c.Validate()
		},
		Open: func(_ context.Context, s backend.Settings, own backend.Config, d backend.Deps) (llm.Model, func(), error) {
			o, ok := own.(*Options)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "openai: settings of type %T", own)
			}
			c, err := New(config(s, *o), d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return c, nil, nil
		},
	}
}
