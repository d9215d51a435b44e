// Package comfyui is the picture.Generator adapter for ComfyUI (github.com/comfyanonymous/ComfyUI),
// the node-graph Stable Diffusion server. It renders a workflow — the user's, exported in ComfyUI's
// API format and written with SillyTavern's placeholders (%prompt%, %seed%, …; see
// placeholders.go), or a built-in text-to-image one — the way ComfyUI's own API example does:
//
//  1. open the WebSocket /ws?clientId=… and wait for the server's first status message, which it
//     sends once the socket is registered;
//  2. POST /prompt {"prompt": graph, "client_id": …}, which validates the graph and queues it;
//  3. read "progress" messages ({value, max, node}) and report them, until "execution_success",
//     "executing" with node null, "execution_error" or "execution_interrupted";
//  4. GET /history/{prompt_id} for the outputs, and GET /view for the picture's bytes.
//
// If the WebSocket cannot be opened (a proxy that does not forward upgrades) or breaks, the
// render is followed by polling /history alone, without progress. A WebSocket that stays silent is
// backed up by a slow poll, so a lost message costs time, not the picture.
//
// ComfyUI picks no seed of its own, so a request that leaves the seed to the backend gets one
// chosen here, in 0…2³²-1 (a seed every diffusion backend takes), reported in Result.Seed. A
// picture abandoned by its caller is removed from ComfyUI's queue, and interrupted if it had
// started (ComfyUI runs one prompt at a time, so the running one is ours); the interrupt names
// the prompt, which current ComfyUI requires and older builds ignore.
//
// Errors carry the port's kinds (see errors.go); ComfyUI's text stays in the wrapped cause. No
// goroutine outlives a call: the WebSocket's reader is closed and waited for before Generate
// returns, and progress is reported from Generate's own goroutine.
package comfyui

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/picture"
)

var _ picture.Generator = (*Client)(nil)

// Config locates the server and holds what the workflow's placeholders need besides the request.
// A hub fills it from the image settings (COMPANIONHUB_IMAGE_…) and the backend's Options; an
// embedder may fill it in code.
type Config struct {
	// BaseURL is ComfyUI's root, e.g. http://127.0.0.1:8188, or a proxy's path to it
	// (https://gpu.example/comfy); /prompt, /history, /view and /ws are joined to it.
	BaseURL string
	// APIKey, when set, is sent as a bearer token, for a proxy in front of ComfyUI (which itself
	// has no authentication).
	APIKey secret.String
	// Model is %model% when a request names none: the checkpoint file, e.g. "sd_xl_base_1.0.safetensors".
	Model string
	// Timeout bounds one call (Generate or Samplers), queueing included.
	Timeout time.Duration
	// Workflow is the API-format workflow with placeholders; nil uses DefaultWorkflow.
	Workflow []byte
	// VAE, Scheduler and Denoise are %vae%, %scheduler% and %denoise%.
	VAE       string
	Scheduler string
	Denoise   float64
	// PollInterval is how often /history is polled when no WebSocket tells when a render ends.
	PollInterval time.Duration
}

// DefaultConfig leaves BaseURL and Model empty, allows 3 minutes per picture, schedules "normal",
// denoises 0.7 (SillyTavern's defaults) and polls every half second.
func DefaultConfig() Config {
	o := DefaultOptions()
	return Config{Timeout: 3 * time.Minute, Scheduler: o.Scheduler, Denoise: o.Denoise, PollInterval: o.PollInterval}
}

// Validate checks the settings without contacting the server, the workflow included: it parses,
// and a workflow using %model% or %vae% has a value for it. Its messages never quote the URL,
// which could hold credentials.
func (c Config) Validate() error {
	if err := validateBaseURL(c.BaseURL, c.APIKey); err != nil {
		return err
	}
	if c.Timeout <= 0 {
		return envflag.Field("Timeout", "must be positive")
	}
	if err := validatePlaceholderSettings(c.Scheduler, c.Denoise, c.PollInterval); err != nil {
		return err
	}
	wf, err := c.workflow()
	if err != nil {
		return envflag.Fieldf("Workflow", "%v", err)
	}
	switch {
	case wf.uses[phModel] && strings.TrimSpace(c.Model) == "":
		return envflag.Field("Model", `is empty, and the workflow's "%model%" needs a checkpoint name (IMAGE_MODEL), e.g. sd_xl_base_1.0.safetensors`)
	case wf.uses[phVAE] && strings.TrimSpace(c.VAE) == "":
		return envflag.Field("VAE", `is empty, and the workflow's "%vae%" needs a VAE file name (COMFYUI_VAE)`)
	}
	return nil
}

func (c Config) workflow() (workflow, error) {
	if c.Workflow == nil {
		return parseWorkflow(defaultWorkflow)
	}
	return parseWorkflow(c.Workflow)
}

// validateBaseURL checks the server's address and the key sent to it.
func validateBaseURL(base string, key secret.String) error {
	u, err := providerhttp.ParseBaseURL(base, providerhttp.URLHints{Want: "ComfyUI's address",
		Example: "http://127.0.0.1:8188", Credentials: "put a proxy's key in IMAGE_API_KEY"})
	switch {
	case err != nil:
		return err
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/prompt"):
		return envflag.Field("BaseURL", "must be ComfyUI's root without /prompt, e.g. http://127.0.0.1:8188")
	}
	return providerhttp.CheckKey(key)
}

// validatePlaceholderSettings checks the settings that Options and Config share.
func validatePlaceholderSettings(scheduler string, denoise float64, poll time.Duration) error {
	switch {
	case strings.TrimSpace(scheduler) == "":
		return envflag.Field("Scheduler", "is empty; want a KSampler scheduler, e.g. normal or karras")
	case !(denoise >= 0 && denoise <= 1):
		return envflag.Field("Denoise", "must be within 0–1")
	case poll <= 0:
		return envflag.Field("PollInterval", "must be positive")
	}
	return nil
}

// Client implements picture.Generator over ComfyUI's API. It is safe for concurrent use: every
// call has its own client id and WebSocket.
type Client struct {
	base         *url.URL
	hc           *http.Client
	apiKey       secret.String
	model, vae   string
	scheduler    string
	denoise      float64
	timeout      time.Duration
	pollInterval time.Duration
	workflow     workflow
	redact       providerhttp.Redactor
}

// New returns a Client that sends its requests with hc (nil: a client of its own, on a copy of
// Go's default transport). hc must not set a Timeout shorter than a render; Config.Timeout bounds
// calls. Invalid settings are KindInvalid errors naming the setting.
func New(c Config, hc *http.Client) (*Client, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "comfyui: %w", err)
	}
	wf, _ := c.workflow() // Validate parsed it
	u, _ := url.Parse(strings.TrimRight(c.BaseURL, "/"))
	if hc == nil {
		hc = &http.Client{}
		if def, ok := http.DefaultTransport.(*http.Transport); ok {
			hc.Transport = def.Clone()
		}
	}
	return &Client{
		base: u, hc: hc, apiKey: c.APIKey, model: c.Model, vae: c.VAE, scheduler: c.Scheduler,
		denoise: c.Denoise, timeout: c.Timeout, pollInterval: c.PollInterval, workflow: wf,
		redact: providerhttp.NewRedactor(c.APIKey.Reveal()),
	}, nil
}
