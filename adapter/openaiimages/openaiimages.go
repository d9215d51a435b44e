// Package openaiimages is the picture.Generator adapter for any server that speaks OpenAI's
// image-generation API (POST {base}/images/generations): OpenAI itself, and the servers and
// proxies that copy its API (LocalAI, LiteLLM, …). It sends plain HTTP — the request has five
// fields — and adds what the port promises over what the API gives:
//
//   - Sizes. OpenAI's models draw only a few sizes: dall-e-2 256², 512² and 1024² squares,
//     dall-e-3 1024x1024, 1792x1024 and 1024x1792, the GPT image models 1024x1024, 1536x1024 and
//     1024x1536. For those the request asks for the size of the nearest aspect ratio (the smallest
//     one covering the requested size among equals); the later GPT image models' free sizes are not
//     used, because their pixel limits are not published with the API and the standard sizes work
//     on every one of them. Other model names are another server's, and are asked for the exact
//     size. Whatever comes back is fitted to exactly the requested size, which the port promises:
//     scaled to cover it (Catmull-Rom) and cropped around the centre, then encoded as PNG. An answer
//     of the right size is passed on as it came.
//   - Answers. b64_json is asked for where the model accepts response_format (the DALL·E models and
//     other servers'; the GPT image models refuse the parameter and always answer b64_json). An
//     answer that carries a url instead is fetched with the same HTTP client, sending the API key
//     only when the URL is on the API's own host (OpenAI's URLs are pre-signed storage URLs, on
//     another host, that must not receive the key). A URL on another host is fetched only from a
//     public address (or one in Config.FetchAllow), so an answer cannot point the hub at its own
//     network (server-side request forgery). Answers are bounded (maxAnswerBytes,
//     maxPictureBytes, maxAnswerSide) and their format is recognised by content.
//   - Seeds. The API has none: Result.Seed is the requested seed, or a random one (0…2³²-1) when the
//     request leaves the choice to the backend. It does not influence the picture, so giving it
//     back renders another picture, not the same one.
//   - Negative prompts. The API has no field for them. By default they are dropped (NegativeDrop):
//     these models take prose, not tag lists; a prompt that names what to avoid tends to draw it;
//     and the hub's negative prompts for general audiences list words that OpenAI's moderation may
//     refuse the whole prompt for. NegativeAppend adds "Avoid: …" to the prompt instead, for servers
//     whose models follow it.
//   - Errors carry the kinds that decide retries (see errors.go), and provider text only reaches
//     the wrapped cause, with the key redacted. There is no progress: the API reports none.
//
// Like adapter/openai, it reads no OPENAI_* variable: only Config decides where requests go and
// with which key.
package openaiimages

import (
	"cmp"
	"context"
	"errors"
	"image"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/picture"
)

var _ picture.Generator = (*Generator)(nil)

// DefaultBaseURL is where requests go when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultModel is the model asked for when neither the request nor Config names one: a current GPT
// image model (dall-e-2, dall-e-3 and gpt-image-1 are retired) and the cheapest of them.
const DefaultModel = "gpt-image-1-mini"

// NegativePrompt says what happens to a request's negative prompt, which the API has no field for.
type NegativePrompt string

const (
	// NegativeDrop leaves it out (the default, also when empty).
	NegativeDrop NegativePrompt = "drop"
	// NegativeAppend adds it to the prompt as a last paragraph, "Avoid: …".
	NegativeAppend NegativePrompt = "append"
)

// Config locates the service. A hub fills it from its image settings (COMPANIONHUB_IMAGE_…) and the
// backend's Options; an embedder may fill it in code.
type Config struct {
	// BaseURL is the API root that "images/generations" is appended to. Empty is DefaultBaseURL; a
	// URL without a path gets "/v1" (https://api.openai.com, http://localhost:8080); a URL with a
	// path is taken as the root it names (http://localhost:8080/v1, https://proxy.example/openai/v1).
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none (local servers need none, OpenAI does).
	APIKey secret.String
	// Model is used when a request does not name one; empty is DefaultModel.
	Model string
	// Timeout bounds a whole call, fetching a url answer included; 0 leaves it to the caller's
	// context.
	Timeout time.Duration
	// NegativePrompt is NegativeDrop (or empty) or NegativeAppend.
	NegativePrompt NegativePrompt
	// FetchAllow are the non-public addresses a url answer on another host than the API's may be
	// fetched from. A url answer is the service's word, not the operator's: by default it reaches
	// public addresses only, never loopback, private, link-local (cloud metadata) or other internal
	// ones — a server that keeps its files on an internal host needs that host's address here.
	FetchAllow []netip.Prefix
}

// DefaultConfig calls OpenAI with DefaultModel, allows 3 minutes per picture and drops negative
// prompts. The API key is left to fill.
func DefaultConfig() Config {
	return Config{Timeout: 3 * time.Minute, NegativePrompt: NegativeDrop}
}

// Validate checks the settings without contacting the service. Its messages never quote the URL,
// which could hold credentials.
func (c Config) Validate() error {
	if _, err := c.root(); err != nil {
		return err
	}
	switch {
	case c.Timeout < 0:
		return envflag.Field("Timeout", "must not be negative (0: the caller's deadline only)")
	case c.NegativePrompt != "" && c.NegativePrompt != NegativeDrop && c.NegativePrompt != NegativeAppend:
		return envflag.Field("NegativePrompt", "must be drop or append")
	}
	return nil
}

// root is the API root BaseURL names (empty: OpenAI's), checked as every OpenAI-compatible
// adapter checks it.
func (c Config) root() (*url.URL, error) {
	return providerhttp.OpenAIRoot(c.BaseURL, DefaultBaseURL, c.APIKey, "images/generations", providerhttp.URLHints{
		Example: "https://api.openai.com/v1 (empty: OpenAI's)", Credentials: "put the key in IMAGE_API_KEY"})
}

// Generator implements picture.Generator over the images API. It is safe for concurrent use.
type Generator struct {
	hc       *http.Client
	files    *http.Client // fetches url answers: the API's host, and public addresses or FetchAllow
	endpoint string       // {root}/images/generations
	origin   *url.URL     // the API's scheme and host: url answers there get the key
	key      secret.String
	model    string
	timeout  time.Duration
	negative NegativePrompt
	redact   providerhttp.Redactor
}

// New returns a Generator that sends its requests with hc (nil: a client on Go's default
// transport). hc should have no Timeout shorter than a picture takes; Config.Timeout bounds calls.
func New(c Config, hc *http.Client) (*Generator, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "openaiimages: %w", err)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	root, _ := c.root() // checked by Validate
	origin := &url.URL{Scheme: root.Scheme, Host: root.Host}
	return &Generator{
		hc:       hc,
		files:    providerhttp.PublicOnly(hc, providerhttp.HostPort(origin), c.FetchAllow),
		endpoint: root.JoinPath("images", "generations").String(),
		origin:   origin,
		key:      c.APIKey,
		model:    cmp.Or(c.Model, DefaultModel),
		timeout:  c.Timeout,
		negative: cmp.Or(c.NegativePrompt, NegativeDrop),
		redact:   providerhttp.NewRedactor(c.APIKey.Reveal()),
	}, nil
}

// The sides the port allows (see picture.Generator); anything else is refused before any call.
const (
	minSide = 64
	maxSide = 2048
)

// Generate renders req: one request to the API (and one more to fetch a url answer), the answer
// fitted to the requested size. progress is never called: the API reports none. Sizes outside
// 64–2048 and an empty prompt are KindInvalid; for the other errors see errors.go.
func (g *Generator) Generate(ctx context.Context, req picture.Request, _ func(picture.Progress)) (picture.Result, error) {
	if err := validate(req); err != nil {
		return picture.Result{}, err
	}
	if ctx.Err() != nil {
		return picture.Result{}, domain.ContextError(ctx, errCancelled, errTimedOut)
	}
	seed := req.Seed
	if seed < 0 {
		seed = rand.Int64N(1 << 32) // documented as not influencing the picture: any will do
	}
	want := image.Pt(req.Width, req.Height)
	callCtx, cancel := g.deadline(ctx)
	defer cancel()
	data, err := g.render(callCtx, g.body(req, want))
	if err != nil {
		return picture.Result{}, g.fail(ctx, callCtx, err)
	}
	pic, format, err := fit(data, want)
	if err != nil {
		return picture.Result{}, g.fail(ctx, callCtx, err)
	}
	return picture.Result{Data: pic, Format: format, Seed: seed}, nil
}

// validate refuses what no call should be made for. The use cases ask for fixed sizes, so the
// sizes only catch another caller's mistake — but a server asked for a zero-pixel picture answers
// with an error that says less.
func validate(req picture.Request) error {
	var vs []domain.FieldViolation
	if strings.TrimSpace(req.Prompt) == "" {
		vs = append(vs, domain.Violation("prompt", "required", "the picture needs a prompt"))
	}
	if req.Width < minSide || req.Width > maxSide {
		vs = append(vs, domain.Violation("width", "out_of_range", "the width must be 64–2048 pixels"))
	}
	if req.Height < minSide || req.Height > maxSide {
		vs = append(vs, domain.Violation("height", "out_of_range", "the height must be 64–2048 pixels"))
	}
	return domain.Invalid(vs...)
}

// errTimeout is the cause of the call context's deadline, so that a timeout says which limit ran
// out.
var errTimeout = errors.New("IMAGE_TIMEOUT elapsed")

// deadline derives the call's context: Timeout, when set, over the request and the fetch.
func (g *Generator) deadline(parent context.Context) (context.Context, context.CancelFunc) {
	if g.timeout <= 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeoutCause(parent, g.timeout, errTimeout)
}
