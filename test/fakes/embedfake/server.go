// Package embedfake is a local stand-in for OpenAI's embeddings API, faithful to the parts the
// hub relies on, so that the openaiembed adapter can talk HTTP to something that behaves — and
// misbehaves — like OpenAI or a server speaking its API (Ollama, llama.cpp, vLLM), without a
// network or a model.
//
// What it speaks:
//   - POST {base}/embeddings, where base is URL() (".../v1") or RootURL() (servers and proxies
//     without /v1).
//   - Validation as OpenAI does it, in its order: the bearer key (401 invalid_api_key), the JSON
//     body (400), unknown parameters (400 unknown_parameter), the input (a string or an array of
//     strings, none empty, at most WithMaxInputs of them — 2048 by default, OpenAI's limit; 400
//     otherwise: token arrays are not spoken), the model (404 model_not_found for one not
//     accepted), encoding_format (float or base64) and dimensions (1 to the model's length; 400
//     for text-embedding-ada-002, which cannot shorten its vectors).
//   - Answers as {"object": "list", "data": [{"object": "embedding", "index", "embedding"}],
//     "model", "usage"}, the embedding a list of floats or, for base64, the little-endian float32s
//     in base64, as OpenAI sends them.
//   - Errors as {"error":{"message","type","param","code"}} with OpenAI's types and codes.
//
// Vectors are deterministic and made so that meaning can be tested (see Vector): a bag of the
// text's words (stop words left out) hashed with the model's name into WithDimensions numbers (256
// by default — real models have 384 to 3072) and scaled to unit length. Texts sharing words are
// close, texts sharing none are not — unless WithSynonyms says that words mean the same, which
// lets a test show a question recalling a memory it shares no word with, as a real model would.
//
// Behaviours (Behaviour) script failures: the server answers its Script in order, one behaviour per
// embeddings request, then falls back to its default (WithBehaviour, else success). Every
// embeddings request is recorded (Requests; Arrived awaits them).
package embedfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// The model names DefaultModels lists: OpenAI's current embeddings models, its older one, and a
// local server's.
const (
	TextEmbedding3Small = "text-embedding-3-small"
	TextEmbedding3Large = "text-embedding-3-large"
	Ada002              = "text-embedding-ada-002"
	NomicEmbedText      = "nomic-embed-text"
)

// DefaultModels are the models a server accepts unless WithModels says otherwise.
var DefaultModels = []string{TextEmbedding3Small, TextEmbedding3Large, Ada002, NomicEmbedText}

// DefaultDimensions is the length of the vectors unless WithDimensions says otherwise.
const DefaultDimensions = 256

// Server is the fake API. It is safe for concurrent use; every method may be called while requests
// are in flight.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed at cleanup so that slow or hanging answers stop at once

	script    fakehttp.Script[Behaviour]
	requests  fakehttp.Log[Request]
	oversized fakehttp.Log[int64]

	mu  sync.Mutex
	cfg config
}

type config struct {
	models       []string
	apiKey       string
	errorMessage string
	fallback     Behaviour
	dims         int
	maxInputs    int
	synonyms     map[string]string
}

// Option configures a Server.
type Option func(*config)

// WithModels sets the model names the server accepts (DefaultModels otherwise); others answer 404
// model_not_found.
func WithModels(names ...string) Option { return func(c *config) { c.models = names } }

// WithAPIKey makes the server demand "Authorization: Bearer key" and answer 401 invalid_api_key
// otherwise. Like OpenAI's, the 401 message quotes the key it was given, so clients that log
// provider text must redact it.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithErrorMessage sets the provider text put in every error body (it is appended to the
// server's own description), so tests can check that provider text never reaches users.
func WithErrorMessage(msg string) Option { return func(c *config) { c.errorMessage = msg } }

// WithBehaviour sets how requests are answered once the script is used up.
func WithBehaviour(b Behaviour) Option { return func(c *config) { c.fallback = b } }

// WithDimensions sets the length of every model's vectors (at least 8).
func WithDimensions(n int) Option { return func(c *config) { c.dims = max(n, 8) } }

// WithMaxInputs sets the most texts a request may carry (2048, OpenAI's limit, otherwise), as
// local servers take fewer: a larger batch is refused with 400.
func WithMaxInputs(n int) Option { return func(c *config) { c.maxInputs = max(n, 1) } }

// WithSynonyms makes words mean the same: each key (a word, whatever its case) is embedded as its
// value, so "sibling" → "sister" puts "my sibling" where "my sister" is. Words are mapped once:
// {"brother": "sibling", "sibling": "sister"} does not make a brother a sister.
func WithSynonyms(words map[string]string) Option {
	return func(c *config) {
		if c.synonyms == nil {
			c.synonyms = map[string]string{}
		}
		for k, v := range words {
			c.synonyms[strings.ToLower(k)] = strings.ToLower(v)
		}
	}
}

// New starts a server that t closes when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{models: DefaultModels, errorMessage: "fake provider detail", dims: DefaultDimensions, maxInputs: 2048}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, done: make(chan struct{})}
	s.srv = httptest.NewServer(s)
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// URL is the base URL clients are configured with: the server's root plus "/v1".
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// RootURL is the server's root; the API answers there too, for base URLs without "/v1".
func (s *Server) RootURL() string { return s.srv.URL }

// Client returns an HTTP client for the server (the one httptest configures for it).
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues behaviours for the next embeddings requests, one each, after any already queued.
// Script(Error(500), Error(500)) then makes the third request succeed.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// Requests returns the embeddings requests received so far, oldest first.
func (s *Server) Requests() []Request { return s.requests.All() }

// Arrived returns a channel closed once n embeddings requests have arrived (at once when they
// have), so that a test can wait for a request to be in the server's hands — a hanging one, say —
// without polling.
func (s *Server) Arrived(n int) <-chan struct{} { return s.requests.Arrived(n) }

// OversizedWritten returns, for each Oversized answer that has ended, oldest first, how many
// bytes the server got to write before the client stopped reading.
func (s *Server) OversizedWritten() []int64 { return s.oversized.All() }

// OversizedEnded returns a channel closed once n Oversized answers have ended (at once when they
// have): the written count is recorded when the handler returns, which may be after the client
// gave up.
func (s *Server) OversizedEnded(n int) <-chan struct{} { return s.oversized.Arrived(n) }

// Vector is the vector the server answers for text with model, at its full length: for tests
// that check which text a vector belongs to.
func (s *Server) Vector(model, text string) []float32 {
	s.mu.Lock()
	cfg := s.cfg
	s.mu.Unlock()
	return embed(text, model, cfg.dims, cfg.synonyms)
}

// Request is one embeddings request as the server decoded it.
type Request struct {
	Path   string
	Header http.Header
	// Body is the raw JSON body; Params its top-level field names, sorted.
	Body   []byte
	Params []string
	Model  string
	// Input is the texts, one for a string input; nil when the input is neither.
	Input []string
	// EncodingFormat and Dimensions are nil when absent.
	EncodingFormat *string
	Dimensions     *int
}

// ServeHTTP routes the API's path, with or without the /v1 prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch path := strings.TrimPrefix(r.URL.Path, "/v1"); {
	case path == "/embeddings" && r.Method == http.MethodPost:
		s.embeddings(w, r)
	case path == "/embeddings":
		w.Header().Set("Allow", http.MethodPost)
		fakehttp.WriteOpenAIError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "", "Method not allowed.")
	default:
		fakehttp.WriteOpenAIError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "",
			"Unknown request URL: "+r.Method+" "+r.URL.Path+".")
	}
}
