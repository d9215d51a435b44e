package a1111

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/picture"
)

// Options are the backend's own settings, beside the image settings every backend reads: what a
// request leaves to the backend, and how often progress is asked for.
type Options struct {
	Steps            int           `env:"IMAGE_A1111_STEPS" help:"sampling steps of a picture whose request leaves them to the backend (1–150)"`
	CFGScale         float64       `env:"IMAGE_A1111_CFG_SCALE" help:"CFG scale of a picture whose request leaves it to the backend (1–30)"`
	Sampler          string        `env:"IMAGE_A1111_SAMPLER" help:"sampler of a picture whose request names none, e.g. \"DPM++ 2M\" (empty: the server's default)"`
	Scheduler        string        `env:"IMAGE_A1111_SCHEDULER" help:"scheduler sent with every picture, e.g. karras (empty: the server's choice; web UI 1.9+ and Forge)"`
	ProgressInterval time.Duration `env:"IMAGE_A1111_PROGRESS_INTERVAL" help:"how often the progress of a render is asked for (0: never)"`
}

// DefaultOptions are DefaultConfig's: 28 steps at CFG 7, the server's sampler and scheduler,
// progress four times a second.
func DefaultOptions() Options {
	d := DefaultConfig()
	return Options{Steps: d.Steps, CFGScale: d.CFGScale, ProgressInterval: d.ProgressInterval}
}

// Validate checks the options as Config.Validate does (the fields have the same names).
func (o Options) Validate() error { return config(backend.Settings{}, o).validateDefaults() }

// config combines the image settings and the options.
func config(s backend.Settings, o Options) Config {
	c := DefaultConfig()
	c.BaseURL, c.APIKey, c.Model, c.Timeout = s.BaseURL, s.APIKey, s.Model, s.Timeout
	c.Steps, c.CFGScale, c.Sampler, c.Scheduler = o.Steps, o.CFGScale, o.Sampler, o.Scheduler
	c.ProgressInterval = o.ProgressInterval
	return c
}

// Backend describes the AUTOMATIC1111/Forge client for a catalogue of image backends: named
// "a1111", it reads the image settings (base URL, key, checkpoint, timeout) and its Options.
func Backend() backend.Backend[picture.Generator] {
	return backend.Backend[picture.Generator]{
		Name: "a1111",
		Config: func() backend.Config {
			o := DefaultOptions()
			return &o
		},
		// The catalogue checks the Timeout of every backend and the options on their own; this
		// checks what the client needs of the image settings besides.
		Validate: func(s backend.Settings) error {
			c := config(s, DefaultOptions())
			c.Timeout = DefaultConfig().Timeout
			return c.Validate()
		},
		Open: func(_ context.Context, s backend.Settings, own backend.Config, d backend.Deps) (picture.Generator, func(), error) {
			o, ok := own.(*Options)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "a1111: settings of type %T", own)
			}
			c, err := New(config(s, *o), d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return c, nil, nil
		},
	}
}
