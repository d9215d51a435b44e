// Package elevenlabs is the voice.Synthesizer adapter for ElevenLabs' text-to-speech API
// (POST {base}/v1/text-to-speech/{voice_id}, key in the xi-api-key header). It sends plain HTTP —
// the request has three fields — and adds what the port promises over what the API gives:
//
//   - Voices. A request's voice id is sent as it is; an empty one is the configured default
//     (Config.Voice), and with no default the call is refused (KindInvalid speech_no_voice) rather
//     than left to a voice nobody chose. A voice the account does not have is KindInvalid
//     (speech_voice_not_found), never another voice. Account lists the account's voices, cached
//     for Config.VoicesTTL.
//   - Formats. MP3 (mp3_44100_128, which every plan may ask for) unless the request asks for WAV:
//     then 16-bit PCM at 24 kHz (pcm_24000, the models' own rate), wrapped in a WAV header here,
//     as the API sends PCM raw. OGG is answered with MP3, which Audio.ContentType says.
//   - Durations. Exact for WAV; for MP3 counted from the MPEG frame headers (0 when the bytes are
//     not frames the count understands).
//   - Errors carry the kinds that decide retries (see errors.go); ElevenLabs' own words reach only
//     the wrapped cause, with the key redacted, and never the key itself.
package elevenlabs

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
const DefaultBaseURL = "https://api.elevenlabs.io"

// DefaultModel is the model asked for when neither the request nor Config names one: ElevenLabs'
// most natural multilingual model, which speaks the languages companions are written in.
// eleven_flash_v2_5 is the cheaper and faster choice.
const DefaultModel = "eleven_multilingual_v2"

// Config locates the service and says how its voices speak. A hub fills it from its speech
// settings (COMPANIONHUB_TTS_…) and the backend's Options; an embedder may fill it in code.
type Config struct {
	// BaseURL is the API root that "/v1/text-to-speech/…" is appended to; empty is DefaultBaseURL.
	BaseURL string
	// APIKey is sent in the xi-api-key header; required.
	APIKey secret.String
	// Model is the model_id used when a request names none; empty is DefaultModel.
	Model string
	// Timeout bounds a whole call; 0 leaves it to the caller's context.
	Timeout time.Duration
	// Voice is the voice id spoken when a request names none; empty refuses such requests.
	Voice string
	// Stability, SimilarityBoost and Style (0–1), SpeakerBoost and Speed (0.7–1.2) are the voice
	// settings sent with every request.
	Stability, SimilarityBoost, Style float64
	SpeakerBoost                      bool
	Speed                             float64
	// VoicesTTL is how long Voices keeps a listing; 0 asks every time.
	VoicesTTL time.Duration
}

// DefaultConfig calls ElevenLabs with DefaultModel and its default voice settings, allows a minute
// per reply and keeps the voices listing for 10 minutes. The API key and voice are left to fill.
func DefaultConfig() Config {
	return Config{Timeout: time.Minute, Stability: 0.5, SimilarityBoost: 0.75, SpeakerBoost: true, Speed: 1,
		VoicesTTL: 10 * time.Minute}
}

// Validate checks the settings without contacting the service. Its messages never quote the URL,
// which could hold credentials, or the key.
func (c Config) Validate() error {
	u, err := providerhttp.ParseBaseURL(cmp.Or(strings.TrimSpace(c.BaseURL), DefaultBaseURL), providerhttp.URLHints{
		Example: "https://api.elevenlabs.io (empty: ElevenLabs')", Credentials: "put the key in TTS_API_KEY"})
	switch {
	case err != nil:
		return err
	case strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/v1") || strings.Contains(u.Path, "/v1/"):
		return envflag.Field("BaseURL", "must be the API root without /v1, e.g. https://api.elevenlabs.io")
	case !c.APIKey.IsSet():
		return envflag.Field("APIKey", "is empty; ElevenLabs' API needs a key")
	case c.Timeout < 0:
		return envflag.Field("Timeout", "must not be negative (0: the caller's deadline only)")
	case c.VoicesTTL < 0:
		return envflag.Field("VoicesTTL", "must not be negative (0: no cache)")
	case strings.ContainsAny(c.Voice, "/?#% \t\r\n"):
		return envflag.Field("Voice", "must be a voice id, such as JBFqnCBsd6RMkjVDRZzb")
	}
	if err := providerhttp.CheckKey(c.APIKey); err != nil {
		return err
	}
	return checkSettings(c.Stability, c.SimilarityBoost, c.Style, c.Speed)
}

// checkSettings checks the voice settings' ranges, which the API refuses requests beyond.
func checkSettings(stability, similarity, style, speed float64) error {
	for _, f := range []struct {
		name     string
		v        float64
		min, max float64
	}{{"Stability", stability, 0, 1}, {"SimilarityBoost", similarity, 0, 1}, {"Style", style, 0, 1}, {"Speed", speed, 0.7, 1.2}} {
		if !(f.v >= f.min && f.v <= f.max) {
			if f.min == 0 {
				return envflag.Field(f.name, "must be 0–1")
			}
			return envflag.Field(f.name, "must be 0.7–1.2")
		}
	}
	return nil
}

// Synthesizer implements voice.Synthesizer over ElevenLabs' API. It is safe for concurrent use.
type Synthesizer struct {
	hc       *http.Client
	root     *url.URL
	key      secret.String
	model    string
	timeout  time.Duration
	voice    string
	settings voiceSettings
	redact   providerhttp.Redactor

	voicesTTL time.Duration
	voicesMu  sync.Mutex // held while a listing is fetched, so that callers share one
	voices    []Voice
	voicesAt  time.Time
	now       func() time.Time
}

// New returns a Synthesizer that sends its requests with hc (nil: a client on Go's default
// transport).
func New(c Config, hc *http.Client) (*Synthesizer, error) {
	if err := c.Validate(); err != nil {
		return nil, domain.Errorf(domain.KindInvalid, "elevenlabs: %w", err)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	root, _ := url.Parse(cmp.Or(strings.TrimSpace(c.BaseURL), DefaultBaseURL)) // checked by Validate
	return &Synthesizer{
		hc:      hc,
		root:    root,
		key:     c.APIKey,
		model:   cmp.Or(c.Model, DefaultModel),
		timeout: c.Timeout,
		voice:   c.Voice,
		settings: voiceSettings{Stability: c.Stability, SimilarityBoost: c.SimilarityBoost, Style: c.Style,
			UseSpeakerBoost: c.SpeakerBoost, Speed: c.Speed},
		redact:    providerhttp.NewRedactor(c.APIKey.Reveal()),
		voicesTTL: c.VoicesTTL,
		now:       time.Now,
	}, nil
}

// maxTextRunes bounds the text: eleven_multilingual_v2's limit, which the use case's own bound
// (voice.MaxSpokenText) stays far below.
const maxTextRunes = 10_000

// Synthesize speaks req.Text in req.VoiceID's voice (or the configured one) with req.Model (or
// the configured one): one request to the API. Blank text (speech_text_empty), text over 10 000
// characters (speech_text_too_long), no voice (speech_no_voice) and a voice the account does not
// have (speech_voice_not_found) are KindInvalid; for the other errors see errors.go.
func (s *Synthesizer) Synthesize(ctx context.Context, req voice.Request) (voice.Audio, error) {
	voiceID := cmp.Or(req.VoiceID, s.voice)
	switch {
	case strings.TrimSpace(req.Text) == "":
		return voice.Audio{}, errEmptyText
	case utf8.RuneCountInString(req.Text) > maxTextRunes:
		return voice.Audio{}, errTextTooLong
	case voiceID == "":
		return voice.Audio{}, errNoVoice
	case strings.ContainsAny(voiceID, "/?#%"):
		return voice.Audio{}, errVoiceNotFound.Wrap(errors.New("elevenlabs: the voice id is not one the API can have"))
	case ctx.Err() != nil:
		return voice.Audio{}, domain.ContextError(ctx, errCancelled, errTimedOut)
	}
	callCtx, cancel := s.deadline(ctx)
	defer cancel()
	wav := req.Format == media.WAV
	format := "mp3_44100_128"
	if wav {
		format = "pcm_" + itoa(pcmRate)
	}
	data, err := s.speak(callCtx, voiceID, format, wireRequest{Text: req.Text, ModelID: cmp.Or(req.Model, s.model),
		VoiceSettings: s.settings})
	if err != nil {
		return voice.Audio{}, s.fail(ctx, callCtx, err)
	}
	a := voice.Audio{Data: data, ContentType: media.MP3, Duration: media.AudioDuration(media.MP3, data)}
	if wav {
		a = voice.Audio{Data: wavFile(data), ContentType: media.WAV, Duration: pcmDuration(len(data))}
	}
	if err := voice.CheckAudio(a); err != nil {
		return voice.Audio{}, errBadResponse.Wrap(err)
	}
	return a, nil
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
