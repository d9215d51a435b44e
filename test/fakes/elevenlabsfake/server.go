// Package elevenlabsfake is a local stand-in for ElevenLabs' text-to-speech API, faithful to the
// parts the hub relies on, so that the elevenlabs adapter can talk HTTP to something that behaves —
// and misbehaves — like ElevenLabs, without a network or an account.
//
// What it speaks:
//   - POST /v1/text-to-speech/{voice_id}?output_format=…, with the key in the xi-api-key header and
//     a JSON body {text, model_id, voice_settings {stability, similarity_boost, style,
//     use_speaker_boost, speed}}. It answers the audio itself (audio/mpeg for MP3, audio/pcm for
//     PCM; see Render), whose length grows with the text (SpokenLength).
//   - GET /v1/voices: {"voices": [{voice_id, name, category, labels {gender, accent, age,
//     description, use_case}, description, preview_url}]} for its voices (DefaultVoices).
//   - Validation in ElevenLabs' order and shapes: the key (401 needs_authorization when absent,
//     invalid_api_key when wrong), the output format (422 with FastAPI's list of errors for an
//     unknown one), the body (422 for bad JSON, a missing text or voice settings out of range), the
//     voice (404 voice_not_found), the model (400 model_not_found), and the text (400
//     max_character_limit_exceeded beyond the model's limit; 400 empty_text when blank).
//   - Errors as {"detail": {"status": "…", "message": "…"}}, or {"detail": [{"type", "loc", "msg"}]}
//     for validation errors.
//
// Behaviours (Behaviour) script failures: the server answers its Script in order, one behaviour per
// speech request that passed validation, then falls back to its default (WithBehaviour, else
// success); ScriptVoices does the same for voices listings. Every request is recorded (Requests,
// VoiceRequests; Arrived awaits speech requests).
package elevenlabsfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/companionhub/companionhub/test/fakes/fakehttp"
)

// Server is the fake API. It is safe for concurrent use; every method may be called while requests
// are in flight.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed at cleanup so that slow or hanging answers stop at once
	cfg  config

	script      fakehttp.Script[Behaviour]
	voiceScript fakehttp.Script[Behaviour]
	requests    fakehttp.Log[Request]
	voiceReqs   fakehttp.Log[Request]
}

type config struct {
	apiKey       string
	voices       []Voice
	errorMessage string
	fallback     Behaviour
}

// Option configures a Server.
type Option func(*config)

// WithAPIKey makes the server demand "xi-api-key: key" (any non-empty key is accepted otherwise;
// ElevenLabs answers 401 to none).
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithVoices sets the voices the server has (DefaultVoices otherwise).
func WithVoices(vs ...Voice) Option { return func(c *config) { c.voices = vs } }

// WithErrorMessage sets the provider text appended to every error message, so tests can check that
// provider text never reaches users.
func WithErrorMessage(msg string) Option { return func(c *config) { c.errorMessage = msg } }

// WithBehaviour sets how requests are answered once the script is used up.
func WithBehaviour(b Behaviour) Option { return func(c *config) { c.fallback = b } }

// New starts a server that t closes when it ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{voices: DefaultVoices, errorMessage: "fake provider detail"}
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

// URL is the base URL clients are configured with (the server's root; paths start with /v1).
func (s *Server) URL() string { return s.srv.URL }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Script queues behaviours for the next speech requests, one each, after any already queued.
func (s *Server) Script(bs ...Behaviour) { s.script.Add(bs...) }

// ScriptVoices queues behaviours for the next voices listings.
func (s *Server) ScriptVoices(bs ...Behaviour) { s.voiceScript.Add(bs...) }

// Requests returns the speech requests received so far, oldest first.
func (s *Server) Requests() []Request { return s.requests.All() }

// VoiceRequests returns the voices listings received so far, oldest first.
func (s *Server) VoiceRequests() []Request { return s.voiceReqs.All() }

// Arrived returns a channel closed once n speech requests have arrived.
func (s *Server) Arrived(n int) <-chan struct{} { return s.requests.Arrived(n) }

// Request is one request as the server decoded it.
type Request struct {
	Method, Path string
	Header       http.Header
	// VoiceID is the path's voice id; OutputFormat the query's output_format ("" when absent).
	VoiceID      string
	OutputFormat string
	// Body is the raw JSON body; Text and ModelID its fields, VoiceSettings its voice_settings
	// (nil when absent).
	Body          []byte
	Text          string
	ModelID       string
	VoiceSettings *VoiceSettings
}

// VoiceSettings are a request's voice_settings; nil fields were absent.
type VoiceSettings struct {
	Stability       *float64 `json:"stability"`
	SimilarityBoost *float64 `json:"similarity_boost"`
	Style           *float64 `json:"style"`
	UseSpeakerBoost *bool    `json:"use_speaker_boost"`
	Speed           *float64 `json:"speed"`
}

// ServeHTTP routes the API's paths.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch voice, ok := strings.CutPrefix(r.URL.Path, "/v1/text-to-speech/"); {
	case ok && r.Method == http.MethodPost && voice != "" && !strings.Contains(voice, "/"):
		s.speak(w, r, voice)
	case r.URL.Path == "/v1/voices" && r.Method == http.MethodGet:
		s.listVoices(w, r)
	case ok || r.URL.Path == "/v1/voices":
		writeDetail(w, http.StatusMethodNotAllowed, "method_not_allowed", "Method Not Allowed")
	default:
		fakehttp.WriteJSON(w, http.StatusNotFound, map[string]string{"detail": "Not Found"})
	}
}
