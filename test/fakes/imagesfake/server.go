// Package imagesfake is a local stand-in for OpenAI's image-generation API, faithful to the parts
// the hub relies on, so that the openaiimages adapter can talk HTTP to something that behaves — and
// misbehaves — like OpenAI or a server speaking its API, without a network or a GPU.
//
// What it speaks:
//   - POST {base}/images/generations, where base is URL() (".../v1") or RootURL() (servers and
//     proxies without /v1).
//   - Validation as OpenAI does it, in its order: the bearer key (401 invalid_api_key), the JSON
//     body (400), unknown parameters (400 unknown_parameter: the API has no seed and no negative
//     prompt), the prompt (400 when missing or longer than the model allows), the model (404
//     model_not_found for one not accepted), n (1–10, 1 for dall-e-3), the size per model (400
//     invalid_value: dall-e-2 256/512/1024 squares; dall-e-3 1024x1024, 1792x1024, 1024x1792; GPT
//     image models 1024x1024, 1536x1024, 1024x1536 and auto; any WxH of 64–4096 pixels for
//     CustomModel and other names), and response_format (url or b64_json; refused by the GPT image
//     models, which always answer b64_json).
//   - Answers as {"created", "data": [{"b64_json" | "url", "revised_prompt"}]}, plus output_format,
//     size, quality, background and usage for the GPT image models. URLs point at GET
//     /files/{name}, served by this server or, WithSeparateFileHost, by another one on its own port,
//     as OpenAI's (pre-signed, unauthenticated) storage URLs are on another host.
//   - Errors as {"error":{"message","type","param","code"}} with OpenAI's types and codes.
//
// Pictures are real PNGs drawn from the prompt (Draw): the same request gives the same bytes, and
// another seed could not give others, as the API has no seed.
//
// Behaviours (Behaviour) script failures: the server answers its Script in order, one behaviour per
// generation request, then falls back to its default (WithBehaviour, else success). Every
// generation request is recorded (Requests; Arrived awaits them), and every file fetch
// (FileRequests).
package imagesfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// Server is the fake API. It is safe for concurrent use; every method may be called while requests
// are in flight.
type Server struct {
	srv   *httptest.Server
	files *httptest.Server // nil unless WithSeparateFileHost
	done  chan struct{}    // closed at cleanup so that slow or hanging answers stop at once

	script    fakehttp.Script[Behaviour]
	requests  fakehttp.Log[Request]
	fileReqs  fakehttp.Log[FileRequest]
	oversized fakehttp.Log[int64]

	mu        sync.Mutex
	cfg       config
	stored    map[string]storedFile
	fileCount int
}

// storedFile is a picture a url answer points at.
type storedFile struct {
	data        []byte
	contentType string
}

type config struct {
	models       []string
	apiKey       string
	errorMessage string
	fallback     Behaviour
	separateHost bool
}

// Option configures a Server.
type Option func(*config)

// WithModels sets the model names the server accepts (DefaultModels otherwise); others answer 404
// model_not_found. A name's rules are OpenAI's for OpenAI's models, CustomModel's for the rest.
func WithModels(names ...string) Option { return func(c *config) { c.models = names } }

// WithAPIKey makes the server demand "Authorization: Bearer key" and answer 401 invalid_api_key
// otherwise. Like OpenAI's, the 401 message quotes the key it was given, so clients that log
// provider text must redact it. File URLs need no key, as OpenAI's pre-signed ones do not.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithErrorMessage sets the provider text put in every error body (it is appended to the
// server's own description), so tests can check that provider text never reaches users.
func WithErrorMessage(msg string) Option { return func(c *config) { c.errorMessage = msg } }

// WithBehaviour sets how requests are answered once the script is used up.
func WithBehaviour(b Behaviour) Option { return func(c *config) { c.fallback = b } }

// WithSeparateFileHost serves the files that url answers point at from a second server, on
// another port, as OpenAI's storage is on another host than its API.
func WithSeparateFileHost() Option { return func(c *config) { c.separateHost = true } }

// New starts a server that t closes when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{models: DefaultModels, errorMessage: "fake provider detail"}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, done: make(chan struct{}), stored: map[string]storedFile{}}
	s.srv = httptest.NewServer(s)
	if cfg.separateHost {
		s.files = httptest.NewServer(http.HandlerFunc(s.file))
	}
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
		if s.files != nil {
			s.files.Close()
		}
	})
	return s
}

// URL is the base URL clients are configured with: the server's root plus "/v1".
func (s *Server) URL() string { return s.srv.URL + "/v1" }

// RootURL is the server's root; the API answers there too, for base URLs without "/v1".
func (s *Server) RootURL() string { return s.srv.URL }

// FilesURL is the root of the URLs that url answers point at.
func (s *Server) FilesURL() string {
	if s.files != nil {
		return s.files.URL
	}
	return s.srv.URL
}

// Client returns an HTTP client for the server (the one httptest configures for it), which
// reaches the separate file host too.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues behaviours for the next generation requests, one each, after any already queued.
// Script(Error(500), Error(500)) then makes the third request succeed.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// Requests returns the generation requests received so far, oldest first.
func (s *Server) Requests() []Request { return s.requests.All() }

// Arrived returns a channel closed once n generation requests have arrived (at once when they
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

// FileRequests returns the file fetches received so far, oldest first.
func (s *Server) FileRequests() []FileRequest { return s.fileReqs.All() }

// Request is one generation request as the server decoded it.
type Request struct {
	Path   string
	Header http.Header
	// Body is the raw JSON body; Params its top-level field names, sorted.
	Body   []byte
	Params []string
	Model  string
	Prompt string
	Size   string
	// N and ResponseFormat are nil when absent.
	N              *int
	ResponseFormat *string
}

// FileRequest is one fetch of a file an answer pointed at.
type FileRequest struct {
	Path   string
	Header http.Header
}

// ServeHTTP routes the API's paths, with or without the /v1 prefix, and the files.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v1")
	switch {
	case path == "/images/generations" && r.Method == http.MethodPost:
		s.generate(w, r)
	case path == "/images/generations":
		w.Header().Set("Allow", http.MethodPost)
		fakehttp.WriteOpenAIError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "", "Method not allowed.")
	case strings.HasPrefix(r.URL.Path, "/files/") && s.files == nil:
		s.file(w, r)
	default:
		fakehttp.WriteOpenAIError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "",
			"Unknown request URL: "+r.Method+" "+r.URL.Path+".")
	}
}

// file serves a stored picture, without authentication, as a pre-signed URL does.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	name, _ := strings.CutPrefix(r.URL.Path, "/files/")
	s.fileReqs.Add(FileRequest{Path: r.URL.Path, Header: r.Header.Clone()})
	s.mu.Lock()
	f, ok := s.stored[name]
	s.mu.Unlock()
	if !ok || r.Method != http.MethodGet {
		http.Error(w, "BlobNotFound", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	_, _ = w.Write(f.data)
}

// store keeps a picture for a url answer and returns its URL.
func (s *Server) store(data []byte, contentType, ext string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fileCount++
	name := "img-" + itoa(s.fileCount) + "." + ext
	s.stored[name] = storedFile{data: data, contentType: contentType}
	return s.FilesURL() + "/files/" + name
}
