// Package openaistt is the voice.Transcriber adapter for any server that speaks OpenAI's
// speech-to-text API (POST {base}/audio/transcriptions, multipart/form-data): OpenAI itself, and
// the servers that copy its API (whisper.cpp's server, faster-whisper-server, LocalAI, …). It
// sends plain HTTP and adds what the port promises over what the API gives:
//
//   - Files. The recording is sent as the "file" part under a name whose extension says its
//     format (recording.mp3, .wav, .ogg, .webm, .m4a, .flac), read from its bytes — the API decides
//     by the name — and from ContentType when the bytes do not say. An empty recording, one over
//     MaxFileBytes, or one of no format the API reads is KindInvalid without a call.
//   - Details. It asks for verbose_json, which adds the language heard and the duration; a server
//     that answers plain json gives a Transcript without them, and one that refuses verbose_json
//     (OpenAI's gpt-4o models) is asked again for json, and only json from then on. Whisper's
//     language names ("english") are reported as ISO 639-1 codes ("en").
//   - Errors carry the kinds that decide retries (see errors.go), and provider text only reaches
//     the wrapped cause, with the key redacted.
//
// Like adapter/openai, it reads no OPENAI_* variable: only Config decides where requests go and
// with which key.
package openaistt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/internal/providerhttp"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/usecase/voice"
)

var _ voice.Transcriber = (*Transcriber)(nil)

// DefaultBaseURL is where requests go when Config.BaseURL is empty.
const DefaultBaseURL = "https://api.openai.com/v1"

// DefaultModel is the model asked for when Config names none: OpenAI's Whisper, the one model
// that answers verbose_json, and the name local Whisper servers accept.
const DefaultModel = "whisper-1"

// MaxFileBytes is the API's limit on an uploaded file: 25 MB.
const MaxFileBytes = 25 << 20

// maxAnswerBytes bounds the answer read: a verbose_json of a long recording, with its segments.
const maxAnswerBytes = 8 << 20

// Config locates the service. A hub fills it from its transcription settings
// (COMPANIONHUB_STT_…); an embedder may fill it in code.
type Config struct {
	// BaseURL is the API root that "audio/transcriptions" is appended to. Empty is DefaultBaseURL;
	// a URL without a path gets "/v1" (https://api.openai.com, http://localhost:8000); a URL with a
	// path is taken as the root it names (http://localhost:8080/v1, https://proxy.example/openai/v1).
	BaseURL string
	// APIKey is sent as a bearer token; empty sends none (local servers need none, OpenAI does).
	APIKey secret.String
	// Model is the model asked for; empty is DefaultModel.
	Model string
	// Timeout bounds a whole call; 0 leaves it to the caller's context.
	Timeout time.Duration
}

// DefaultConfig calls OpenAI with DefaultModel, and allows two minutes per recording (a 25 MB
// file takes a while to upload and transcribe). The API key is left to fill.
func DefaultConfig() Config { return Config{Timeout: 2 * time.Minute} }

// Validate checks the settings without contacting the service. Its messages never quote the URL,
// which could hold credentials.
func (c Config) Validate() error {
	if _, err := c.root(); err != nil {
		return err
	}
	switch {
	case c.Timeout < 0:
		return envflag.Field("Timeout", "must not be negative (0: the caller's deadline only)")
	case c.Model != strings.TrimSpace(c.Model):
		return envflag.Field("Model", "must not start or end with spaces")
	}
	return nil
}

// root is the API root BaseURL names (empty: OpenAI's), checked as every OpenAI-compatible
// adapter checks it.
func (c Config) root() (*url.URL, error) {
	return providerhttp.OpenAIRoot(c.BaseURL, DefaultBaseURL, c.APIKey, "audio/transcriptions", providerhttp.URLHints{
		Example: "https://api.openai.com/v1 (empty: OpenAI's)", Credentials: "put the key in STT_API_KEY"})
}

// Transcriber implements voice.Transcriber over the transcriptions API. It is safe for
// concurrent use.
type Transcriber struct {
	hc       *http.Client
	endpoint string // {root}/audio/transcriptions
	key      secret.String
	model    string
	timeout  time.Duration
	redact   providerhttp.Redactor
	// plainJSON is set once the server refused verbose_json: json is asked for from then on.
	plainJSON atomic.Bool
}

// New returns a Transcriber that sends its requests with hc (nil: a client on Go's default
// transport). Config.Timeout bounds calls.
func New(c Config, hc *http.Client) (*Transcriber, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "openaistt: %w", err)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	root, _ := c.root() // checked by Validate
	return &Transcriber{
		hc:       hc,
		endpoint: root.JoinPath("audio", "transcriptions").String(),
		key:      c.APIKey,
		model:    cmp.Or(c.Model, DefaultModel),
		timeout:  c.Timeout,
		redact:   providerhttp.NewRedactor(c.APIKey.Reveal()),
	}, nil
}

// Transcribe sends rec to the API: one request, two when the server refuses verbose_json the
// first time. An empty recording (transcription_audio_empty), one over MaxFileBytes
// (transcription_audio_too_large) and one of no format the API reads
// (transcription_audio_unsupported) are KindInvalid without a call; for the other errors see
// errors.go.
func (t *Transcriber) Transcribe(ctx context.Context, rec voice.Recording) (voice.Transcript, error) {
	ext := fileExt(rec)
	switch {
	case len(rec.Data) == 0:
		return voice.Transcript{}, errEmptyAudio
	case len(rec.Data) > MaxFileBytes:
		return voice.Transcript{}, errTooLarge
	case ext == "":
		return voice.Transcript{}, errUnsupported
	case ctx.Err() != nil:
		return voice.Transcript{}, domain.ContextError(ctx, errCancelled, errTimedOut)
	}
	callCtx, cancel := t.deadline(ctx)
	defer cancel()
	verbose := !t.plainJSON.Load()
	tr, err := t.send(callCtx, rec, ext, verbose)
	if verbose && errors.Is(err, errNoVerbose) {
		t.plainJSON.Store(true)
		tr, err = t.send(callCtx, rec, ext, false)
	}
	if err != nil {
		return voice.Transcript{}, t.fail(ctx, callCtx, err)
	}
	return tr, nil
}

// fileExt is the extension of the file name the recording is sent under: its format as its
// bytes say, else as its ContentType says; "" when neither names a format the API reads.
func fileExt(rec voice.Recording) string {
	b := rec.Data
	switch {
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "wav"
	case bytes.HasPrefix(b, []byte("OggS")):
		return "ogg"
	case bytes.HasPrefix(b, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return "webm"
	case len(b) >= 8 && string(b[4:8]) == "ftyp":
		return "m4a"
	case bytes.HasPrefix(b, []byte("fLaC")):
		return "flac"
	case bytes.HasPrefix(b, []byte("ID3")), len(b) >= 2 && b[0] == 0xFF && b[1]&0xE0 == 0xE0:
		return "mp3"
	}
	switch rec.ContentType {
	case media.MP3, media.WAV, media.OGG:
		return rec.ContentType.Ext()
	}
	return ""
}

// fileTypes are the Content-Types of the file part, by extension.
var fileTypes = map[string]string{
	"mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg", "webm": "audio/webm", "m4a": "audio/mp4", "flac": "audio/flac",
}

// body builds the multipart form: model, the language hint when set, response_format, and the
// file last (servers may stream it).
func (t *Transcriber) body(rec voice.Recording, ext string, verbose bool) (*bytes.Buffer, string, error) {
	var buf bytes.Buffer
	buf.Grow(len(rec.Data) + 1024)
	mw := multipart.NewWriter(&buf)
	format := "json"
	if verbose {
		format = "verbose_json"
	}
	fields := [][2]string{{"model", t.model}, {"response_format", format}}
	if lang := strings.ToLower(strings.TrimSpace(rec.Language)); lang != "" {
		fields = append(fields, [2]string{"language", lang})
	}
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, "", err
		}
	}
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": "recording." + ext}))
	h.Set("Content-Type", fileTypes[ext])
	part, err := mw.CreatePart(h)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(rec.Data); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &buf, mw.FormDataContentType(), nil
}

// wireAnswer is the json and verbose_json answers; only verbose_json has Language and Duration.
type wireAnswer struct {
	Text     *string  `json:"text"`
	Language string   `json:"language"`
	Duration *float64 `json:"duration"`
}

// send makes one request. Errors are classified when the answer says what went wrong (a
// status, an unusable answer); the others (transport, context) are left to fail.
func (t *Transcriber) send(ctx context.Context, rec voice.Recording, ext string, verbose bool) (voice.Transcript, error) {
	body, contentType, err := t.body(rec, ext, verbose)
	if err != nil {
		return voice.Transcript{}, domain.Errorf(domain.KindInternal, "openaistt: build the request: %w", err)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, body)
	if err != nil {
		return voice.Transcript{}, domain.Errorf(domain.KindInternal, "openaistt: build the request: %w", providerhttp.WithoutURL(err))
	}
	hreq.Header.Set("Content-Type", contentType)
	hreq.Header.Set("Accept", "application/json")
	providerhttp.SetBearer(hreq.Header, t.key)
	resp, err := t.hc.Do(hreq)
	if err != nil {
		return voice.Transcript{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return voice.Transcript{}, t.statusError(resp, verbose)
	}
	data, err := providerhttp.ReadAll(resp.Body, maxAnswerBytes)
	if errors.Is(err, providerhttp.ErrTooLarge) {
		return voice.Transcript{}, errBadResponse.Wrap(fmt.Errorf("openaistt: %w", err))
	}
	if err != nil {
		return voice.Transcript{}, err
	}
	return transcript(data, resp.Header.Get("Content-Type"))
}

// transcript reads an answer: JSON with a text field (and, from verbose_json, the language and
// duration), or the plain text of a server that answers text whatever was asked.
func transcript(data []byte, contentType string) (voice.Transcript, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/plain" {
		return voice.Transcript{Text: strings.TrimSpace(string(data))}, nil
	}
	var a wireAnswer
	if err := json.Unmarshal(data, &a); err != nil || a.Text == nil {
		cause := "no text field"
		if err != nil {
			cause = "not JSON"
		}
		return voice.Transcript{}, errBadResponse.Wrap(fmt.Errorf("openaistt: the answer (%s, %d bytes) is %s", mt, len(data), cause))
	}
	tr := voice.Transcript{Text: strings.TrimSpace(*a.Text), Language: languageCode(a.Language)}
	if a.Duration != nil && *a.Duration > 0 && *a.Duration < 1e6 {
		tr.Duration = time.Duration(*a.Duration * float64(time.Second))
	}
	return tr, nil
}

// errTimeout is the cause of the call context's deadline, so that a timeout says which limit ran
// out.
var errTimeout = errors.New("STT_TIMEOUT elapsed")

// deadline derives the call's context: Timeout, when set.
func (t *Transcriber) deadline(parent context.Context) (context.Context, context.CancelFunc) {
	if t.timeout <= 0 {
		return context.WithCancel(parent)
	}
	return context.WithTimeoutCause(parent, t.timeout, errTimeout)
}
