package comfyui

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/picture"
)

// Options are the backend's own settings, beside the image settings every image backend reads
// (IMAGE_BASE_URL, IMAGE_API_KEY, IMAGE_MODEL for %model%, IMAGE_TIMEOUT). Their variables are
// COMPANIONHUB_COMFYUI_WORKFLOW, …_VAE, …_SCHEDULER, …_DENOISE and …_POLL_INTERVAL.
type Options struct {
	// Workflow is the path of a workflow file, empty for the built-in text-to-image one.
	Workflow     string        `env:"COMFYUI_WORKFLOW" help:"path of a ComfyUI workflow exported in the API format, with SillyTavern's placeholders such as %prompt% and %seed% (empty: a built-in text-to-image workflow)"`
	VAE          string        `env:"COMFYUI_VAE" help:"VAE file name for the workflow's %vae% placeholder"`
	Scheduler    string        `env:"COMFYUI_SCHEDULER" help:"KSampler scheduler for the workflow's %scheduler% placeholder"`
	Denoise      float64       `env:"COMFYUI_DENOISE" help:"denoising strength 0–1 for the workflow's %denoise% placeholder (image-to-image workflows)"`
	PollInterval time.Duration `env:"COMFYUI_POLL_INTERVAL" help:"how often ComfyUI's history is polled when its WebSocket cannot say when a picture is done"`
}

// DefaultOptions use the built-in workflow, SillyTavern's defaults (scheduler "normal", denoise
// 0.7) and a half-second poll.
func DefaultOptions() Options {
	return Options{Scheduler: "normal", Denoise: 0.7, PollInterval: 500 * time.Millisecond}
}

// Validate checks the values and reads the workflow file, if one is set, so that a missing or
// malformed file stops start-up naming COMPANIONHUB_COMFYUI_WORKFLOW.
func (o Options) Validate() error {
	if err := validatePlaceholderSettings(o.Scheduler, o.Denoise, o.PollInterval); err != nil {
		return err
	}
	_, err := o.workflow()
	return err
}

// workflow reads and checks the workflow file; nil without one (the built-in workflow).
func (o Options) workflow() ([]byte, error) {
	if o.Workflow == "" {
		return nil, nil
	}
	f, err := os.Open(o.Workflow)
	if err != nil {
		return nil, envflag.Fieldf("Workflow", "cannot be read: %v", err)
	}
	defer func() { _ = f.Close() }()
	raw, err := io.ReadAll(io.LimitReader(f, maxWorkflow+1))
	if err != nil {
		return nil, envflag.Fieldf("Workflow", "cannot be read: %v", err)
	}
	if _, err := parseWorkflow(raw); err != nil {
		return nil, envflag.Fieldf("Workflow", "%v", err)
	}
	return raw, nil
}

// Backend describes the ComfyUI client to a hub's image catalogue: named "comfyui", it needs the
// image base URL, and reads its Options. Open checks the workflow against the settings (a
// workflow with %model% needs IMAGE_MODEL) without contacting the server.
func Backend() backend.Backend[picture.Generator] {
	return backend.Backend[picture.Generator]{
		Name: "comfyui",
		Config: func() backend.Config {
			o := DefaultOptions()
			return &o
		},
		Validate: func(s backend.Settings) error { return validateBaseURL(s.BaseURL, s.APIKey) },
		Open: func(_ context.Context, s backend.Settings, own backend.Config, d backend.Deps) (picture.Generator, func(), error) {
			o, ok := own.(*Options)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "comfyui: settings of type %T", own)
			}
			raw, err := o.workflow()
			if err != nil {
				return nil, nil, domain.Errorf(domain.KindInvalid, "comfyui: %w", err)
			}
			c, err := New(Config{BaseURL: s.BaseURL, APIKey: s.APIKey, Model: s.Model, Timeout: s.Timeout,
				Workflow: raw, VAE: o.VAE, Scheduler: o.Scheduler, Denoise: o.Denoise, PollInterval: o.PollInterval}, d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return c, nil, nil
		},
	}
}
