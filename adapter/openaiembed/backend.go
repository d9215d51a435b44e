package openaiembed

import (
	"context"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/memory"
)

// Options are the backend's own settings, beside the embeddings settings every embeddings backend
// reads.
type Options struct {
	// BatchSize is the most texts one request carries (see Config).
	BatchSize int `env:"EMBEDDINGS_OPENAI_BATCH_SIZE" help:"most texts the OpenAI-compatible embeddings backend sends in one request (OpenAI takes up to 2048; local servers fewer)"`
	// Dimensions asks for shorter vectors (see Config); 0 sends none.
	Dimensions int `env:"EMBEDDINGS_OPENAI_DIMENSIONS" help:"length of the vectors the OpenAI-compatible embeddings backend asks for, for models that shorten theirs (0: the model's own)"`
}

// DefaultOptions send batches of 64 texts and ask for the model's own length.
func DefaultOptions() Options { return Options{BatchSize: DefaultBatchSize} }

// Validate checks that BatchSize is within 1–2048 and Dimensions within 0–8192.
func (o Options) Validate() error {
	if o.BatchSize < 1 || o.BatchSize > MaxBatchSize {
		return envflag.Fieldf("BatchSize", "must be between 1 and %d, not %d", MaxBatchSize, o.BatchSize)
	}
	if o.Dimensions < 0 || o.Dimensions > maxDimensions {
		return envflag.Fieldf("Dimensions", "must be between 0 (the model's) and %d, not %d", maxDimensions, o.Dimensions)
	}
	return nil
}

// Backend describes the client for a catalogue of embeddings backends: named "openai", it reads
// the embeddings settings (base URL, empty for OpenAI's; API key, required for OpenAI's; model,
// required; timeout, per request) and its Options. The memory.Embedder it opens is an *Embedder,
// whose Name identifies its vectors.
func Backend() backend.Backend[memory.Embedder] {
	config := func(s backend.Settings, o Options) Config {
		return Config{BaseURL: s.BaseURL, APIKey: s.APIKey, Model: s.Model, Timeout: s.Timeout,
			BatchSize: o.BatchSize, Dimensions: o.Dimensions}
	}
	return backend.Backend[memory.Embedder]{
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
		Open: func(_ context.Context, s backend.Settings, own backend.Config, d backend.Deps) (memory.Embedder, func(), error) {
			o, ok := own.(*Options)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "openaiembed: settings of type %T", own)
			}
			e, err := New(config(s, *o), d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return e, nil, nil
		},
	}
}
