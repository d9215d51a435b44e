// Package backend is how a hub picks the provider behind a feature's port — the language model,
// image generation, speech, embeddings — from configuration, without the façade knowing any of
// them. Each adapter package describes itself as a Backend: a name, its own settings (an
// envflag-tagged struct with defaults and a Validate method), and how to open it. A binary lists
// the backends it links in one Catalog per feature; the feature's settings name the one to use.
// Adding a provider is one adapter package and one entry in a catalogue: the configuration, its
// validation and the wiring follow from the descriptor.
package backend

import (
	"context"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/companionhub/companionhub/secret"
)

// Settings are what every backend of one feature is told: which backend, where it is, how to
// authenticate, which model, and how long one call may take. Each feature binds them to its own
// variables (COMPANIONHUB_IMAGE_PROVIDER, COMPANIONHUB_IMAGE_BASE_URL, …).
type Settings struct {
	Provider string
	BaseURL  string
	APIKey   secret.String
	Model    string
	Timeout  time.Duration
}

// Deps are the shared things a backend may use: the process's HTTP client for calls out, and the
// logger of its adapter.
type Deps struct {
	HTTP *http.Client
	Log  *zap.Logger
}

// Config is a backend's own settings: a pointer to an envflag-tagged struct holding its defaults.
// Validate is called only when the backend is the one chosen, and returns envflag field errors
// (paths relative to the struct), which the binary turns into messages naming the variables.
type Config interface {
	Validate() error
}

// Backend describes one implementation of the port P.
type Backend[P any] struct {
	// Name is what the feature's PROVIDER setting says to choose it ("offline", "comfyui", …).
	Name string
	// Config returns a fresh copy of the backend's own settings with their defaults; nil when it
	// has none.
	Config func() Config
	// Validate checks the feature's settings for this backend (a base URL it requires, …); nil
	// accepts any. Its errors are envflag field errors with paths of Settings' fields.
	Validate func(s Settings) error
	// Open builds the port from the feature's settings and the backend's own (nil when it has
	// none). The cleanup, if not nil, releases what it opened; when Open fails it releases what it
	// opened itself, and its cleanup is not called.
	Open func(ctx context.Context, s Settings, own Config, d Deps) (P, func(), error)
}
