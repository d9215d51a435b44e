// Package a1111 is the picture.Generator adapter for the HTTP API of AUTOMATIC1111's Stable
// Diffusion web UI and of its fork Forge (and of the hosted services that copy it), started with
// --api. A picture is one POST /sdapi/v1/txt2img; on top of that the adapter adds what the port
// promises and the API leaves to its clients:
//
//   - The checkpoint (the request's model, else the configured one) is looked up in GET
//     /sdapi/v1/sd-models first, by title, model_name, file name or file stem, and sent as its
//     exact title: Forge answers an unknown name with a 500 and, worse, keeps whatever override it
//     was sent. An unknown model is a KindInternal error, and nothing is rendered. The list is kept
//     for a while (Config.ListTTL) and fetched again when a name is not in it.
//   - A sampler is checked against GET /sdapi/v1/samplers the same way (KindInvalid when unknown),
//     and Samplers lists them for callers that let people choose.
//   - While a render runs, GET /sdapi/v1/progress is polled and reported as rising Done/Total
//     steps. The server has one progress for everything it renders, one picture at a time, so a
//     render waiting behind another's may report the other's progress until its own starts: the
//     numbers only rise, and the last report, Done == Total, comes when the picture is there.
//   - The answer's image is base64 (with or without a data: URL prefix) in whatever format the
//     server is set to save (PNG by default, JPEG or WebP): the format is recognised from the
//     bytes. The seed the server used comes from the answer's info.
//   - Errors carry the kinds that decide retries (see fail in errors.go); the server's text stays
//     in the wrapped cause, for the log, with the credentials redacted.
//
// Credentials: the web UI's --api-auth is HTTP basic authentication, so an API key holding a
// colon ("user:password") is sent as basic credentials; any other key as a bearer token, which
// is what hosted copies of the API ask for.
//
// A request's content rating and reference pictures are not used: the web UI has no safety
// setting of its own to pass the rating to, and txt2img draws from the prompt alone.
package a1111

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/picture"
)

var _ picture.Generator = (*Client)(nil)

// Config locates the server and says what a request leaves to the backend. A hub fills it from its
// image settings (COMPANIONHUB_IMAGE_…) and the backend's Options; an embedder may fill it in code.
type Config struct {
	// BaseURL is the web UI's root, e.g. http://127.0.0.1:7860 (the API is under /sdapi/v1).
	BaseURL string
	// APIKey is "user:password" for a server started with --api-auth, or a bearer token for a
	// hosted copy of the API; empty sends no credentials.
	APIKey secret.String
	// Model is the checkpoint used when a request does not name one ("": the one loaded).
	Model string
	// Timeout bounds a whole call: looking up the checkpoint, waiting for the server's queue and
	// rendering.
	Timeout time.Duration
	// Steps, CFGScale and Sampler are used when a request leaves them at zero; an empty Sampler
	// (or Scheduler) lets the server choose.
	Steps     int
	CFGScale  float64
	Sampler   string
	Scheduler string
	// ProgressInterval is how often progress is asked for while a render runs (0: never; the
	// last report is made anyway).
	ProgressInterval time.Duration
	// ListTTL is how long the lists of checkpoints and samplers are kept.
	ListTTL time.Duration
}

// DefaultConfig leaves BaseURL and Model empty, allows 3 minutes per picture (the hub's image
// timeout), renders 28 steps at CFG 7 as the hub always has, asks for progress four times a
// second, and keeps the lists 5 minutes.
func DefaultConfig() Config {
	return Config{
		Timeout:          3 * time.Minute,
		Steps:            28,
		CFGScale:         7,
		ProgressInterval: 250 * time.Millisecond,
		ListTTL:          5 * time.Minute,
	}
}

// maxSteps bounds the default steps: more is no better picture, only a longer wait.
const maxSteps = 150

// Validate checks the settings without contacting the server. Its messages never quote the URL,
// which could hold credentials.
func (c Config) Validate() error {
	u, err := providerhttp.ParseBaseURL(c.BaseURL, providerhttp.URLHints{Want: "the web UI's root",
		Example: "http://127.0.0.1:7860", Credentials: "put user:password in IMAGE_API_KEY"})
	keyErr := providerhttp.CheckKey(c.APIKey)
	switch {
	case err != nil:
		return err
	case strings.Contains(strings.TrimRight(u.Path, "/"), "/sdapi"):
		return envflag.Field("BaseURL", "must be the web UI's root without /sdapi/v1, e.g. http://127.0.0.1:7860")
	case keyErr != nil:
		return keyErr
	case c.Timeout <= 0:
		return envflag.Field("Timeout", "must be positive")
	}
	return c.validateDefaults()
}

// validateDefaults checks what a request leaves to the backend.
func (c Config) validateDefaults() error {
	switch {
	case c.Steps < 1 || c.Steps > maxSteps:
		return envflag.Fieldf("Steps", "must be 1–%d", maxSteps)
	case !(c.CFGScale >= 1 && c.CFGScale <= 30):
		return envflag.Field("CFGScale", "must be 1–30")
	case c.ProgressInterval < 0:
		return envflag.Field("ProgressInterval", "must not be negative (0 disables progress polling)")
	case c.ListTTL < 0:
		return envflag.Field("ListTTL", "must not be negative")
	}
	return nil
}

// Client implements picture.Generator over the web UI's API. It is safe for concurrent use.
type Client struct {
	base      string
	hc        *http.Client
	auth      func(*http.Request)
	model     string
	timeout   time.Duration
	steps     int
	cfgScale  float64
	sampler   string
	scheduler string
	interval  time.Duration
	redact    providerhttp.Redactor

	checkpoints list[checkpoint]
	samplers    list[sampler]
}

// New returns a Client that sends its requests with hc (nil: http.DefaultClient). hc must not set
// a Timeout shorter than a render; Config.Timeout bounds calls.
func New(c Config, hc *http.Client) (*Client, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "a1111: %w", err)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{
		base:        strings.TrimRight(c.BaseURL, "/"),
		hc:          hc,
		auth:        authorizer(c.APIKey.Reveal()),
		model:       c.Model,
		timeout:     c.Timeout,
		steps:       c.Steps,
		cfgScale:    c.CFGScale,
		sampler:     c.Sampler,
		scheduler:   c.Scheduler,
		interval:    c.ProgressInterval,
		redact:      redactor(c.APIKey.Reveal()),
		checkpoints: list[checkpoint]{path: "/sdapi/v1/sd-models", ttl: c.ListTTL},
		samplers:    list[sampler]{path: "/sdapi/v1/samplers", ttl: c.ListTTL},
	}, nil
}

// authorizer sets the credentials a key stands for: basic ones for "user:password", a bearer
// token otherwise, none for an empty key.
func authorizer(key string) func(*http.Request) {
	if key == "" {
		return func(*http.Request) {}
	}
	if user, pass, ok := strings.Cut(key, ":"); ok {
		return func(r *http.Request) { r.SetBasicAuth(user, pass) }
	}
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
}

// Generate renders req with one txt2img call, after resolving its checkpoint and sampler.
// Progress, when not nil, is reported from a goroutine of the call's while the server renders,
// and a last time (Done == Total) from the calling goroutine once the picture is there; never
// after Generate returns.
//
// A size that is not a multiple of 8 within 64–2048, steps outside 0–150 or a CFG scale outside
// 0–30 are KindInvalid before any call; an unknown sampler is KindInvalid and an unknown
// checkpoint KindInternal before anything is rendered; the server's failures are mapped as fail
// (errors.go) says.
func (c *Client) Generate(ctx context.Context, req picture.Request, progress func(picture.Progress)) (picture.Result, error) {
	if err := validate(req); err != nil {
		return picture.Result{}, err
	}
	if ctx.Err() != nil {
		return picture.Result{}, ctxError(ctx)
	}
	callCtx, cancel := context.WithTimeoutCause(ctx, c.timeout, errTimeout)
	defer cancel()

	body, err := c.txt2imgBody(callCtx, req)
	if err != nil {
		return picture.Result{}, c.fail(ctx, callCtx, err)
	}
	stop := c.watch(callCtx, body.Steps, progress)
	var ans answer
	err = c.call(callCtx, http.MethodPost, "/sdapi/v1/txt2img", body, &ans, maxAnswer)
	reported := stop()
	if err != nil {
		return picture.Result{}, c.fail(ctx, callCtx, err)
	}
	res, err := ans.result(req.Seed)
	if err != nil {
		return picture.Result{}, err
	}
	if progress != nil && reported < body.Steps {
		progress(picture.Progress{Done: body.Steps, Total: body.Steps})
	}
	return res, nil
}
