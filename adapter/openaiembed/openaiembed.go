// Package openaiembed is the memory.Embedder adapter for any server that speaks OpenAI's
// embeddings API (POST {base}/embeddings): OpenAI itself, and the servers that copy its API —
// Ollama and llama.cpp's server at {host}/v1, vLLM, LiteLLM, LocalAI, text-embeddings-inference. It
// sends plain HTTP, {"model", "input": [texts], "encoding_format": "float"} (and "dimensions" when
// configured), and adds what the port promises over what the API gives:
//
//   - Batches. A call embeds its texts in requests of at most Config.BatchSize (64 by default:
//     OpenAI takes up to 2048 inputs, local servers have smaller batches and answer a large one
//     slowly), one after another, and returns the vectors in the texts' order.
//   - Answers. Vectors are put in order by their index, and an answer must hold one vector per
//     text, all of one length (in one call, across its requests), finite and not all zero;
//     anything else is a bad answer (KindUnavailable), never a vector stored for the wrong text.
//     Answers are bounded in size by the number of texts asked for. Floats are asked for and
//     read; no server of the API is known to answer base64 to a request for floats (those that
//     do not know encoding_format ignore it and answer floats).
//   - Blank texts are KindInvalid before any request (the API refuses an empty input, and a blank
//     one has no meaning to find).
//   - Errors carry the kinds that decide retries (see errors.go), and provider text only reaches
//     the wrapped cause, with the key redacted.
//
// Vectors of another model, or of another size, are not comparable: Name says which embedder
// made a vector, for the store to keep with it.
//
// Like adapter/openai, it reads no OPENAI_* variable: only Config decides where requests go and
// with which key.
package openaiembed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/memory"
)

var _ memory.Embedder = (*Embedder)(nil)

// DefaultBaseURL is where requests go when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.openai.com/v1"

// The bounds of Config.BatchSize: OpenAI takes at most 2048 inputs a request.
const (
	DefaultBatchSize = 64
	MaxBatchSize     = 2048
)

// maxDimensions bounds Config.Dimensions and the vectors read: the largest models in use have
// 4096 (OpenAI's largest 3072).
const maxDimensions = 8192

// Config locates the service and the model. A hub fills it from its embeddings settings
// (COMPANIONHUB_EMBEDDINGS_…) and the backend's Options; an embedder may fill it in code.
type Config struct {
	// BaseURL is the API root that "embeddings" is appended to. Empty is DefaultBaseURL; a URL
	// without a path gets "/v1" (https://api.openai.com, http://localhost:11434); a URL with a path
	// is taken as the root it names (http://localhost:8080/v1, https://proxy.example/openai/v1).
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none (local servers need none, OpenAI does).
	APIKey secret.String
	// Model is the embeddings model (text-embedding-3-small, nomic-embed-text, …); required.
	Model string
	// Dimensions, when positive, asks for vectors of that length ("dimensions": OpenAI's
	// text-embedding-3 models shorten theirs; other models and servers may refuse it). 0 sends
	// none: the model's own length.
	Dimensions int
	// BatchSize is the most texts one request carries: 1–2048; 0 is DefaultBatchSize.
	BatchSize int
	// Timeout bounds each request; 0 leaves it to the caller's context.
	Timeout time.Duration
}

// DefaultConfig calls OpenAI in batches of 64, allowing 30 seconds a request. The model and the
// API key are left to fill.
func DefaultConfig() Config { return Config{BatchSize: DefaultBatchSize, Timeout: 30 * time.Second} }

// Validate checks the settings without contacting the service. Its messages never quote the URL,
// which could hold credentials.
func (c Config) Validate() error {
	if _, err := c.root(); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(c.Model) == "":
		return envflag.Field("Model", "is empty; name the embeddings model, e.g. text-embedding-3-small or nomic-embed-text")
	case c.Dimensions < 0 || c.Dimensions > maxDimensions:
		return envflag.Fieldf("Dimensions", "must be between 0 (the model's) and %d, not %d", maxDimensions, c.Dimensions)
	case c.BatchSize < 0 || c.BatchSize > MaxBatchSize:
		return envflag.Fieldf("BatchSize", "must be between 1 and %d (0: %d), not %d", MaxBatchSize, DefaultBatchSize, c.BatchSize)
	case c.Timeout < 0:
		return envflag.Field("Timeout", "must not be negative (0: the caller's deadline only)")
	}
	return nil
}

// root is the API root BaseURL names (empty: OpenAI's), checked as every OpenAI-compatible
// adapter checks it.
func (c Config) root() (*url.URL, error) {
	return providerhttp.OpenAIRoot(c.BaseURL, DefaultBaseURL, c.APIKey, "embeddings", providerhttp.URLHints{
		Example: "https://api.openai.com/v1 (empty: OpenAI's), http://localhost:11434/v1", Credentials: "put the key in EMBEDDINGS_API_KEY"})
}

// Embedder implements memory.Embedder over the embeddings API. It is safe for concurrent use.
type Embedder struct {
	hc         *http.Client
	endpoint   string // {root}/embeddings
	key        secret.String
	model      string
	dimensions int
	batch      int
	timeout    time.Duration
	redact     providerhttp.Redactor
}

// New returns an Embedder that sends its requests with hc (nil: a client on Go's default
// transport). Config.Timeout bounds each request.
func New(c Config, hc *http.Client) (*Embedder, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "openaiembed: %w", err)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	root, _ := c.root() // checked by Validate
	return &Embedder{
		hc:         hc,
		endpoint:   root.JoinPath("embeddings").String(),
		key:        c.APIKey,
		model:      strings.TrimSpace(c.Model),
		dimensions: c.Dimensions,
		batch:      cmp.Or(c.BatchSize, DefaultBatchSize),
		timeout:    c.Timeout,
		redact:     providerhttp.NewRedactor(c.APIKey.Reveal()),
	}, nil
}

// Name identifies the vectors this Embedder makes, for the store to keep them with: "openai:"
// and the model ("openai:text-embedding-3-small", "openai:nomic-embed-text:latest"), followed by
// "@" and the length when Config.Dimensions asks for one ("openai:text-embedding-3-large@1024").
// Vectors of two Embedders with the same Name are comparable; the server they came from is not
// part of it, as the same model gives the same vectors wherever it runs.
func (e *Embedder) Name() string {
	if e.dimensions > 0 {
		return "openai:" + e.model + "@" + strconv.Itoa(e.dimensions)
	}
	return "openai:" + e.model
}

// Embed returns one vector per text, in order, asking for at most BatchSize texts a request; no
// texts give none, without a request. A blank text is KindInvalid (embedding_text_empty, the
// cause naming its index) before any request; if ctx ends first the error is KindUnavailable
// wrapping ctx.Err(); for the others see errors.go.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([]memory.Vector, error) {
	for i, text := range texts {
		if strings.TrimSpace(text) == "" {
			return nil, errNoText.Wrap(fmt.Errorf("text %d of %d", i, len(texts)))
		}
	}
	if len(texts) == 0 {
		return nil, nil
	}
	if ctx.Err() != nil {
		return nil, domain.ContextError(ctx, errCancelled, errTimedOut)
	}
	out := make([]memory.Vector, 0, len(texts))
	for start := 0; start < len(texts); start += e.batch {
		vs, err := e.embedBatch(ctx, texts[start:min(start+e.batch, len(texts))])
		if err != nil {
			return nil, err
		}
		if len(out) > 0 && len(vs[0]) != len(out[0]) {
			return nil, errBadResponse.Wrap(fmt.Errorf("openaiembed: texts %d… have vectors of %d numbers, the texts before them of %d",
				start, len(vs[0]), len(out[0])))
		}
		out = append(out, vs...)
	}
	return out, nil
}

// embedBatch sends one request for texts, with the request's own deadline.
func (e *Embedder) embedBatch(ctx context.Context, texts []string) ([]memory.Vector, error) {
	callCtx, cancel := e.deadline(ctx)
	defer cancel()
	vs, err := e.request(callCtx, texts)
	if err != nil {
		return nil, e.fail(ctx, callCtx, err)
	}
	return vs, nil
}

// errTimeout is the cause of a request context's deadline, so that a timeout says which limit
// ran out.
var errTimeout = errors.New("EMBEDDINGS_TIMEOUT elapsed")

// deadline derives a request's context: Timeout, when set.
func (e *Embedder) deadline(parent context.Context) (context.Context, context.CancelFunc) {
	if e.timeout <= 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeoutCause(parent, e.timeout, errTimeout)
}
