// Package speechfake is a local stand-in for OpenAI's text-to-speech API, faithful to the parts
// the hub relies on, so that the openaispeech adapter can talk HTTP to something that behaves —
// and misbehaves — like OpenAI or a server speaking its API (Kokoro-FastAPI, openedai-speech),
// without a network.
//
// What it speaks:
//   - POST {base}/audio/speech, where base is URL() (".../v1") or RootURL() (servers and proxies
//     without /v1).
//   - Validation as OpenAI does it, in its order: the bearer key (401 invalid_api_key, quoting the
//     key it was given), the JSON body (400), unknown parameters (400 unknown_parameter), input
//     (400 when missing or blank, or longer than 4096 characters), the model (404 model_not_found
//     for one not accepted), the voice (400 invalid_value with param "voice"), response_format (mp3,
//     opus, aac, flac, wav or pcm; default mp3) and speed (0.25–4).
//   - Answers as the audio bytes with the format's Content-Type: real files for mp3 (silent MPEG
//     frames after an ID3 tag), wav (PCM, 24 kHz mono) and opus (Ogg Opus pages with checksums),
//     raw PCM for pcm, and the file signatures only for aac and flac. The same request gives the
//     same bytes; a longer input gives longer audio (Duration).
//   - Errors as {"error":{"message","type","param","code"}} with OpenAI's types and codes.
//
// Behaviours (Behaviour) script failures: the server answers its Script in order, one behaviour per
// speech request, then falls back to its default (WithBehaviour, else success). Every speech
// request is recorded (Requests; Arrived awaits them).
package speechfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// The models and voices OpenAI's API accepts, which the server accepts by default.
const (
	TTS1          = "tts-1"
	TTS1HD        = "tts-1-hd"
	GPT4oMiniTTS  = "gpt-4o-mini-tts"
	MaxInputRunes = 4096 // the API's limit on input, in characters
)

// DefaultModels are the models the server accepts unless WithModels says otherwise.
var DefaultModels = []string{TTS1, TTS1HD, GPT4oMiniTTS}

// DefaultVoices are OpenAI's built-in voices, which the server accepts unless WithVoices says
// otherwise.
var DefaultVoices = []string{"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse"}

// Formats are the values of response_format the API accepts.
var Formats = []string{"mp3", "opus", "aac", "flac", "wav", "pcm"}

// Server is the fake API. It is safe for concurrent use; every method may be called while
// requests are in flight.
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
	models, voices []string
	apiKey         string
	errorMessage   string
	fallback       Behaviour
}

// Option configures a Server.
type Option func(*config)

// WithModels sets the model names the server accepts (DefaultModels otherwise); others answer 404
// model_not_found.
func WithModels(names ...string) Option { return func(c *config) { c.models = names } }

// WithVoices sets the voices the server has (DefaultVoices otherwise), as local servers have
// their own (Kokoro's af_bella, say); others answer 400 invalid_value on "voice".
func WithVoices(names ...string) Option { return func(c *config) { c.voices = names } }

// WithAPIKey makes the server demand "Authorization: Bearer key" and answer 401 invalid_api_key
// otherwise. Like OpenAI's, the 401 message quotes the key it was given, so clients that log
// provider text must redact it.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithErrorMessage sets the provider text put in every error body (it is appended to the
// server's own description), so tests can check that provider text never reaches users.
func WithErrorMessage(msg string) Option { return func(c *config) { c.errorMessage = msg } }

// WithBehaviour sets how requests are answered once the script is used up.
func WithBehaviour(b Behaviour) Option { return func(c *config) { c.fallback = b } }

// New starts a server that t closes when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{models: DefaultModels, voices: DefaultVoices, errorMessage: "fake provider detail"}
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

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues behaviours for the next speech requests, one each, after any already queued.
// Script(Error(500), Error(500)) then makes the third request succeed.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// Requests returns the speech requests received so far, oldest first.
func (s *Server) Requests() []Request { return s.requests.All() }

// Arrived returns a channel closed once n speech requests have arrived (at once when they have),
// so that a test can wait for a request to be in the server's hands without polling.
func (s *Server) Arrived(n int) <-chan struct{} { return s.requests.Arrived(n) }

// OversizedWritten returns, for each Oversized answer that has ended, oldest first, how many
// bytes the server got to write before the client stopped reading.
func (s *Server) OversizedWritten() []int64 { return s.oversized.All() }

// OversizedEnded returns a channel closed once n Oversized answers have ended (at once when they
// have): the written count is recorded when the handler returns, which may be after the client
// gave up.
func (s *Server) OversizedEnded(n int) <-chan struct{} { return s.oversized.Arrived(n) }

// Request is one speech request as the server decoded it.
type Request struct {
	Path   string
	Header http.Header
	// Body is the raw JSON body; Params its top-level field names, sorted.
	Body   []byte
	Params []string
	Model  string
	Input  string
	Voice  string
	// ResponseFormat, Speed and Instructions are nil when absent.
	ResponseFormat *string
	Speed          *float64
	Instructions   *string
}

// ServeHTTP routes the API's path, with or without the /v1 prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v1")
	switch {
	case path == "/audio/speech" && r.Method == http.MethodPost:
		s.speech(w, r)
	case path == "/audio/speech":
		w.Header().Set("Allow", http.MethodPost)
		fakehttp.WriteOpenAIError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "", "Method not allowed.")
	default:
		fakehttp.WriteOpenAIError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "",
			"Unknown request URL: "+r.Method+" "+r.URL.Path+".")
	}
}
