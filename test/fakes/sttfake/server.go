// Package sttfake is a local stand-in for OpenAI's speech-to-text API, faithful to the parts the
// hub relies on, so that the openaistt adapter can talk HTTP to something that behaves — and
// misbehaves — like OpenAI or a server speaking its API (whisper.cpp's server,
// faster-whisper-server, LocalAI), without a network.
//
// What it speaks:
//   - POST {base}/audio/transcriptions, where base is URL() (".../v1") or RootURL() (servers and
//     proxies without /v1), as multipart/form-data.
//   - Validation as OpenAI does it: the bearer key (401 invalid_api_key, quoting the key it was
//     given), the multipart body (400), the file (required; over MaxFileBytes 413; a name whose
//     extension is not a supported format, or bytes that are none — WAV, MP3, Ogg, WebM, MP4/M4A,
//     FLAC, recognised by their signatures — 400 "Invalid file format"; bytes of another format
//     than the name says 400 "could not be decoded"; a WAV shorter than 0.1 s 400
//     audio_too_short), the model (required; 404 model_not_found for one not accepted), language
//     (ISO 639-1), response_format (json, text, srt, verbose_json or vtt; the gpt-4o models take
//     json and text only, as OpenAI's do).
//   - Answers in each format: {"text"} for json; verbose_json adds task, language (Whisper's
//     name for it, "english"), duration (from a WAV's header, else the size at 128 kbit/s) and
//     segments; text, srt and vtt as text/plain.
//   - The transcript is deterministic: WithTranscript's text, else DefaultTranscript of the file
//     ("transcript of N bytes"), and "" for a WAV whose samples are all zero (silence).
//   - Errors as {"error":{"message","type","param","code"}} with OpenAI's types and codes.
//
// Behaviours (Behaviour) script failures: the server answers its Script in order, one behaviour per
// transcription request, then falls back to its default (WithBehaviour, else success). Every
// transcription request is recorded (Requests; Arrived awaits them).
package sttfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// The models OpenAI's API accepts, which the server accepts by default.
const (
	Whisper1            = "whisper-1"
	GPT4oTranscribe     = "gpt-4o-transcribe"
	GPT4oMiniTranscribe = "gpt-4o-mini-transcribe"
)

// MaxFileBytes is the API's limit on the uploaded file: 25 MB.
const MaxFileBytes = 25 << 20

// DefaultModels are the models the server accepts unless WithModels says otherwise.
var DefaultModels = []string{Whisper1, GPT4oTranscribe, GPT4oMiniTranscribe}

// Formats are the values of response_format the API accepts.
var Formats = []string{"json", "text", "srt", "verbose_json", "vtt"}

// Server is the fake API. It is safe for concurrent use; every method may be called while
// requests are in flight.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed at cleanup so that slow or hanging answers stop at once

	script   fakehttp.Script[Behaviour]
	requests fakehttp.Log[Request]

	mu  sync.Mutex
	cfg config
}

type config struct {
	models       []string
	apiKey       string
	errorMessage string
	transcript   *string
	maxBytes     int64
	fallback     Behaviour
}

// Option configures a Server.
type Option func(*config)

// WithModels sets the model names the server accepts (DefaultModels otherwise); others answer 404
// model_not_found. Models named gpt-4o… answer json and text only.
func WithModels(names ...string) Option { return func(c *config) { c.models = names } }

// WithAPIKey makes the server demand "Authorization: Bearer key" and answer 401 invalid_api_key
// otherwise. Like OpenAI's, the 401 message quotes the key it was given, so clients that log
// provider text must redact it.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithErrorMessage sets the provider text put in every error body (it is appended to the
// server's own description), so tests can check that provider text never reaches users.
func WithErrorMessage(msg string) Option { return func(c *config) { c.errorMessage = msg } }

// WithTranscript makes every recording with sound say text (silence still says nothing).
func WithTranscript(text string) Option { return func(c *config) { c.transcript = &text } }

// WithMaxFileBytes lowers the file size limit (MaxFileBytes otherwise), so that a test can see
// the 413 without sending 25 MB.
func WithMaxFileBytes(n int64) Option { return func(c *config) { c.maxBytes = n } }

// WithBehaviour sets how requests are answered once the script is used up.
func WithBehaviour(b Behaviour) Option { return func(c *config) { c.fallback = b } }

// New starts a server that t closes when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{models: DefaultModels, errorMessage: "fake provider detail", maxBytes: MaxFileBytes}
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

// Script queues behaviours for the next transcription requests, one each, after any already
// queued. Script(Error(500)) then lets the second request succeed.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// Requests returns the transcription requests received so far, oldest first.
func (s *Server) Requests() []Request { return s.requests.All() }

// Arrived returns a channel closed once n transcription requests have arrived (at once when they
// have), so that a test can wait for a request to be in the server's hands without polling.
func (s *Server) Arrived(n int) <-chan struct{} { return s.requests.Arrived(n) }

// Request is one transcription request as the server decoded it.
type Request struct {
	Path   string
	Header http.Header
	// Fields are the form's text fields (model, language, response_format, …) by name.
	Fields map[string]string
	// FileName and FileType are the file part's name and Content-Type; File its bytes (nil when
	// there was no file part, or it was over the limit: then FileSize says how far it was read).
	FileName, FileType string
	File               []byte
	FileSize           int64
	Model, Language    string
	// ResponseFormat is nil when absent (the API's default is json).
	ResponseFormat *string
}

// ServeHTTP routes the API's path, with or without the /v1 prefix.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/v1")
	switch {
	case path == "/audio/transcriptions" && r.Method == http.MethodPost:
		s.transcribe(w, r)
	case path == "/audio/transcriptions":
		w.Header().Set("Allow", http.MethodPost)
		fakehttp.WriteOpenAIError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed", "", "Method not allowed.")
	default:
		fakehttp.WriteOpenAIError(w, http.StatusNotFound, "invalid_request_error", "unknown_url", "",
			"Unknown request URL: "+r.Method+" "+r.URL.Path+".")
	}
}
