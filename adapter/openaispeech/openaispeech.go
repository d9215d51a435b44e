// Package openaispeech is the voice.Synthesizer adapter for any server that speaks OpenAI's
// text-to-speech API (POST {base}/audio/speech): OpenAI itself, and the servers that copy its API
// (Kokoro-FastAPI, openedai-speech, LocalAI, …). It sends plain HTTP — the request has four
// fields — and adds what the port promises over what the API gives:
//
//   - Formats. The hub's MP3, WAV and OGG are asked for as response_format mp3, wav and opus (Opus
//     in an Ogg container); no format asks for mp3, the API's default. What comes back is
//     recognised by its bytes, not by its Content-Type: a server that ignores response_format is
//     answered with what it sent, and one that sends no MP3, WAV or Ogg (aac, flac, an HTML page, an
//     empty body) is a bad response.
//   - Durations. The API reports none: it is read from the audio — a WAV's header, the MPEG frames
//     of an MP3, an Ogg Opus stream's last granule position — and is 0 when the audio does not say.
//   - Voices. An empty VoiceID is the configured default voice (DefaultVoice unless set). Other ids
//     are sent as they are, for servers with their own voices; one the server does not have is
//     KindInvalid unknown_voice, never another voice.
//   - Errors carry the kinds that decide retries (see errors.go), and provider text only reaches
//     the wrapped cause, with the key redacted.
//
// Like adapter/openai, it reads no OPENAI_* variable: only Config decides where requests go and
// with which key.
package openaispeech

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/voice"
)

var _ voice.Synthesizer = (*Synthesizer)(nil)

// DefaultBaseURL is where requests go when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultModel is the model asked for when neither the request nor Config names one: OpenAI's
// current text-to-speech model, cheaper than tts-1-hd and steerable.
const DefaultModel = "gpt-4o-mini-tts"

// DefaultVoice is the voice of requests without one when Config names none: one of OpenAI's
// built-in voices, which the servers copying the API map to voices of their own.
const DefaultVoice = "alloy"

// MaxTextRunes is the API's limit on a request's text, in characters.
const MaxTextRunes = 4096

// Config locates the service. A hub fills it from its speech settings (COMPANIONHUB_TTS_…) and
// the backend's Options; an embedder may fill it in code.
type Config struct {
	// BaseURL is the API root that "audio/speech" is appended to. Empty is DefaultBaseURL; a URL
	// without a path gets "/v1" (https://api.openai.com, http://localhost:8880); a URL with a path
	// is taken as the root it names (http://localhost:8880/v1, https://proxy.example/openai/v1).
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none (local servers need none, OpenAI does).
	APIKey secret.String
	// Model is used when a request does not name one; empty is DefaultModel.
	Model string
	// Voice is used when a request does not name one; empty is DefaultVoice.
	Voice string
	// Timeout bounds a whole call; 0 leaves it to the caller's context.
	Timeout time.Duration
}

// DefaultConfig calls OpenAI with DefaultModel and DefaultVoice, and allows a minute per
// recording. The API key is left to fill.
func DefaultConfig() Config { return Config{Timeout: time.Minute} }

// Validate checks the settings without contacting the service. Its messages never quote the URL,
// which could hold credentials.
func (c Config) Validate() error {
	if _, err := c.root(); err != nil {
		return err
	}
	switch {
	case c.Timeout < 0:
		return envflag.Field("Timeout", "must not be negative (0: the caller's deadline only)")
	case c.Voice != strings.TrimSpace(c.Voice):
		return envflag.Field("Voice", "must not start or end with spaces")
	}
	return nil
}

// root is the API root BaseURL names (empty: OpenAI's), checked as every OpenAI-compatible
// adapter checks it.
func (c Config) root() (*url.URL, error) {
	return providerhttp.OpenAIRoot(c.BaseURL, DefaultBaseURL, c.APIKey, "audio/speech", providerhttp.URLHints{
		Example: "https://api.openai.com/v1 (empty: OpenAI's)", Credentials: "put the key in TTS_API_KEY"})
}

// Synthesizer implements voice.Synthesizer over the speech API. It is safe for concurrent use.
type Synthesizer struct {
	hc       *http.Client
	endpoint string // {root}/audio/speech
	key      secret.String
	model    string
	voice    string
	timeout  time.Duration
	redact   providerhttp.Redactor
}

// New returns a Synthesizer that sends its requests with hc (nil: a client on Go's default
// transport). Config.Timeout bounds calls.
func New(c Config, hc *http.Client) (*Synthesizer, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "openaispeech: %w", err)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	root, _ := c.root() // checked by Validate
	return &Synthesizer{
		hc:       hc,
		endpoint: root.JoinPath("audio", "speech").String(),
		key:      c.APIKey,
		model:    cmp.Or(c.Model, DefaultModel),
		voice:    cmp.Or(c.Voice, DefaultVoice),
		timeout:  c.Timeout,
		redact:   providerhttp.NewRedactor(c.APIKey.Reveal()),
	}, nil
}

// Synthesize speaks req.Text: one request to the API. Blank text (speech_text_empty) and text
// over MaxTextRunes characters (speech_text_too_long) are KindInvalid without a call; for the
// other errors see errors.go.
func (s *Synthesizer) Synthesize(ctx context.Context, req voice.Request) (voice.Audio, error) {
	switch {
	case strings.TrimSpace(req.Text) == "":
		return voice.Audio{}, errEmptyText
	case utf8.RuneCountInString(req.Text) > MaxTextRunes:
		return voice.Audio{}, errTextTooLong
	case ctx.Err() != nil:
		return voice.Audio{}, domain.ContextError(ctx, errCancelled, errTimedOut)
	}
	callCtx, cancel := s.deadline(ctx)
	defer cancel()
	a, err := s.speak(callCtx, s.body(req))
	if err != nil {
		return voice.Audio{}, s.fail(ctx, callCtx, err)
	}
	return a, nil
}

// wireRequest is the body of POST audio/speech. Speed and instructions are left to the server's
// defaults.
type wireRequest struct {
	Model          string `json:"model"`
	Input          string `json:"input"`
	Voice          string `json:"voice"`
	ResponseFormat string `json:"response_format"`
}

// body is the request for req: its model and voice, or the configured ones.
func (s *Synthesizer) body(req voice.Request) wireRequest {
	return wireRequest{
		Model:          cmp.Or(req.Model, s.model),
		Input:          req.Text,
		Voice:          cmp.Or(req.VoiceID, s.voice),
		ResponseFormat: responseFormat(req.Format),
	}
}

// responseFormat is the API's name for the format the hub would like: Ogg is asked for as opus,
// which the API sends in an Ogg container; no format (or another) is mp3, the API's default.
func responseFormat(ct media.ContentType) string {
	switch ct {
	case media.WAV:
		return "wav"
	case media.OGG:
		return "opus"
	default:
		return "mp3"
	}
}

// speak sends the request and returns the audio. Errors are classified when the answer says
// what went wrong (a status, unusable audio); the others (transport, context) are left to fail.
func (s *Synthesizer) speak(ctx context.Context, body wireRequest) (voice.Audio, error) {
	hreq, err := providerhttp.NewJSONRequest(ctx, http.MethodPost, s.endpoint, body)
	if err != nil {
		return voice.Audio{}, domain.Errorf(domain.KindInternal, "openaispeech: build the request: %w", err)
	}
	hreq.Header.Set("Accept", "application/octet-stream") // as OpenAI's SDKs ask; errors still come as JSON
	providerhttp.SetBearer(hreq.Header, s.key)
	resp, err := s.hc.Do(hreq)
	if err != nil {
		return voice.Audio{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return voice.Audio{}, s.statusError(resp)
	}
	data, err := providerhttp.ReadAll(resp.Body, voice.MaxAudioBytes)
	if errors.Is(err, providerhttp.ErrTooLarge) {
		return voice.Audio{}, errBadResponse.Wrap(err)
	}
	if err != nil {
		return voice.Audio{}, err
	}
	return audio(data, resp.Header.Get("Content-Type"))
}

// errTimeout is the cause of the call context's deadline, so that a timeout says which limit ran
// out.
var errTimeout = errors.New("TTS_TIMEOUT elapsed")

// deadline derives the call's context: Timeout, when set.
func (s *Synthesizer) deadline(parent context.Context) (context.Context, context.CancelFunc) {
	if s.timeout <= 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeoutCause(parent, s.timeout, errTimeout)
}
