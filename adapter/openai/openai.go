// Package openai is the llm.Model adapter for any server that speaks OpenAI's chat-completions
// API: OpenAI itself, Ollama, vLLM, llama.cpp's server, OpenRouter, Novita and the like. It uses
// the official SDK (imported as oai) to send requests and read whole answers; streamed answers are
// decoded here (sse.go, chunk.go), reading only the fields the port needs, because the SDK's
// chunk decoding was most of the adapter's CPU at a thousand concurrent streams. On top of that
// it adds what the port promises:
//
//   - Errors carry the kinds that decide the pipeline's retries (see fail in errors.go). The
//     SDK's own retries are off: the hub retries whole steps with its own policy, and a second
//     retry loop underneath would multiply attempts and hide rate limits.
//   - Provider text (error messages, stream error events) stays in the wrapped cause for the log,
//     with the API key and anything that looks like a key redacted; the client-facing message is
//     always the adapter's own.
//   - A stream is only complete when the provider said so (a finish_reason). A connection
//     closed before that, even cleanly, is llm.ErrStreamCut, so a reply cut midway is retried
//     rather than saved half-written.
//   - Text handed to onText is whole UTF-8: byte-level tokenizers (llama.cpp) can send half a
//     character per chunk, which is buffered until the rest arrives.
//
// The client does not read OPENAI_API_KEY, OPENAI_BASE_URL or any other OPENAI_* variable (the
// SDK's NewClient does): only Config decides where requests go and with which key, so a key meant
// for OpenAI can never be sent to a self-hosted server by accident.
package openai

import (
	"context"
	"net/http"
	"strings"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/llm"
)

var _ llm.Model = (*Client)(nil)

// Config locates the provider. A hub fills it from its LLM settings (COMPANIONHUB_LLM_…) and the
// backend's own Options; an embedder may fill it in code.
type Config struct {
	// BaseURL is the API root that "chat/completions" is appended to: https://api.openai.com/v1,
	// http://localhost:11434/v1 (Ollama), http://localhost:8000/v1 (vLLM),
	// http://localhost:8080 or …/v1 (llama.cpp), https://openrouter.ai/api/v1,
	// https://api.novita.ai/v3/openai.
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none (Ollama, llama.cpp, vLLM need none).
	APIKey secret.String
	// Model is used when a request does not name one.
	Model string
	// Timeout bounds a whole call, the streamed reply included.
	Timeout time.Duration
	// FirstByteTimeout bounds the wait for the first chunk of a streamed reply, so a provider
	// that accepted the request and then hangs is given up on (and retried) long before Timeout.
	// It does not apply to Complete, whose answer only comes when it is whole. 0 disables it.
	FirstByteTimeout time.Duration
}

// DefaultConfig leaves BaseURL and Model empty — an unset base URL selects the offline model, and
// no model name suits every server — and allows 3 minutes per call, 90 seconds to the first chunk
// (enough for Ollama to load a large model from disk).
func DefaultConfig() Config {
	return Config{Timeout: 3 * time.Minute, FirstByteTimeout: 90 * time.Second}
}

// Validate checks the settings without contacting the provider. Its messages never quote the URL,
// which could hold credentials.
func (c Config) Validate() error {
	u, err := providerhttp.ParseBaseURL(c.BaseURL, providerhttp.URLHints{Want: "the API root",
		Example: "http://localhost:11434/v1", Credentials: "put the key in LLM_API_KEY"})
	keyErr := providerhttp.CheckKey(c.APIKey)
	switch {
	case err != nil:
		return err
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/chat/completions"):
		return envflag.Field("BaseURL", "must be the API root without /chat/completions, e.g. https://api.openai.com/v1")
	case strings.TrimSpace(c.Model) == "":
		return envflag.Field("Model", "is empty; name the model to use, e.g. gpt-4o-mini or llama3.1:8b")
	case keyErr != nil:
		return keyErr
	case c.Timeout <= 0:
		return envflag.Field("Timeout", "must be positive")
	case c.FirstByteTimeout < 0:
		return envflag.Field("FirstByteTimeout", "must not be negative (0 disables it)")
	}
	return nil
}

// Client implements llm.Model over the chat-completions API. It is safe for concurrent use.
type Client struct {
	svc       oai.ChatCompletionService
	model     string
	timeout   time.Duration
	firstByte time.Duration
	redact    providerhttp.Redactor
}

// New returns a Client that sends its requests with hc (nil: a client of its own, see
// newHTTPClient). hc must not set a Timeout shorter than streams last; Config's timeouts bound
// calls. A client passed in should keep enough idle connections per host for the streams that
// run at once, or each new stream pays for a new connection (and a TLS handshake).
func New(c Config, hc *http.Client) (*Client, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "openai: %w", err)
	}
	if hc == nil {
		hc = newHTTPClient()
	}
	opts := []option.RequestOption{
		option.WithBaseURL(c.BaseURL),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	if c.APIKey.IsSet() {
		opts = append(opts, option.WithAPIKey(c.APIKey.Reveal()))
	}
	return &Client{
		svc:       oai.NewChatCompletionService(opts...),
		model:     c.Model,
		timeout:   c.Timeout,
		firstByte: c.FirstByteTimeout,
		redact:    providerhttp.NewRedactor(c.APIKey.Reveal()),
	}, nil
}

// maxIdleConns is how many connections to the provider are kept open between calls: every
// stream holds one (or an HTTP/2 stream) while it lasts, and SPEC's target is a thousand at once.
const maxIdleConns = 1024

// newHTTPClient returns a client on a copy of Go's default transport (proxy from the environment,
// dial, TLS handshake and idle timeouts, HTTP/2) that keeps up to maxIdleConns connections to the
// provider instead of the default 2, which at many concurrent streams closes almost every
// connection after its call and dials a new one for the next. It sets no response header
// timeout: a slow first token is LLM_FIRST_BYTE_TIMEOUT's to bound, and a whole call LLM_TIMEOUT's.
func newHTTPClient() *http.Client {
	def, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return &http.Client{} // replaced by the embedding program; use it as it is
	}
	t := def.Clone()
	t.MaxIdleConns = maxIdleConns
	t.MaxIdleConnsPerHost = maxIdleConns
	return &http.Client{Transport: t}
}

// params translates the port's request. max_tokens (not max_completion_tokens) is sent because
// every compatible server understands it; OpenAI accepts it for all but its reasoning models.
func (c *Client) params(req llm.Request) (oai.ChatCompletionNewParams, error) {
	if len(req.Messages) == 0 {
		return oai.ChatCompletionNewParams{}, errNoMessages
	}
	p := oai.ChatCompletionNewParams{Model: c.model}
	if req.Model != "" {
		p.Model = req.Model
	}
	for _, m := range req.Messages {
		switch m.Role {
		case llm.System:
			p.Messages = append(p.Messages, oai.SystemMessage(m.Content))
		case llm.User:
			p.Messages = append(p.Messages, oai.UserMessage(m.Content))
		case llm.Assistant:
			p.Messages = append(p.Messages, oai.AssistantMessage(m.Content))
		default:
			return p, domain.Errorf(domain.KindInternal, "openai: message role %q is not one of the port's", m.Role)
		}
	}
	if req.MaxTokens > 0 {
		p.MaxTokens = oai.Int(int64(req.MaxTokens))
	}
	if req.Temperature != nil {
		p.Temperature = oai.Float(*req.Temperature)
	}
	if req.TopP != nil {
		p.TopP = oai.Float(*req.TopP)
	}
	if len(req.Stop) > 0 {
		p.Stop = oai.ChatCompletionNewParamsStopUnion{OfStringArray: req.Stop}
	}
	if req.JSON {
		p.ResponseFormat = oai.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &oai.ResponseFormatJSONObjectParam{}}
	}
	return p, nil
}

// deadlines derives the call's context: Timeout over everything and, for streams, the first-byte
// limit, which started stops. Their causes tell fail which limit ran out.
func (c *Client) deadlines(parent context.Context, stream bool) (ctx context.Context, started, cancel func()) {
	ctx, cancelAll := context.WithTimeoutCause(parent, c.timeout, errTimeout)
	if !stream || c.firstByte <= 0 {
		return ctx, func() {}, cancelAll
	}
	ctx, cancelFirst := context.WithCancelCause(ctx)
	timer := time.AfterFunc(c.firstByte, func() { cancelFirst(errFirstByte) })
	return ctx, func() { timer.Stop() }, func() {
		timer.Stop()
		cancelFirst(nil)
		cancelAll()
	}
}
