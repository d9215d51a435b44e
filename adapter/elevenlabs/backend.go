package elevenlabs

import (
	"context"
	"strings"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Options are the backend's own settings, beside the speech settings every speech backend reads.
type Options struct {
	Voice           string  `env:"TTS_ELEVENLABS_VOICE" help:"ElevenLabs voice id spoken when a companion names none, e.g. JBFqnCBsd6RMkjVDRZzb (empty: such replies are not spoken)"`
	Stability       float64 `env:"TTS_ELEVENLABS_STABILITY" help:"ElevenLabs voice stability 0–1: lower is more expressive, higher more even"`
	SimilarityBoost float64 `env:"TTS_ELEVENLABS_SIMILARITY_BOOST" help:"ElevenLabs similarity boost 0–1: how closely the speech keeps to the original voice"`
	Style           float64 `env:"TTS_ELEVENLABS_STYLE" help:"ElevenLabs style exaggeration 0–1 (0: none, the fastest)"`
	SpeakerBoost    bool    `env:"TTS_ELEVENLABS_SPEAKER_BOOST" help:"whether ElevenLabs boosts the likeness to the original speaker"`
	Speed           float64 `env:"TTS_ELEVENLABS_SPEED" help:"ElevenLabs speaking speed 0.7–1.2 (1: the voice's own)"`
}

// DefaultOptions are ElevenLabs' own defaults, with no default voice.
func DefaultOptions() Options {
	c := DefaultConfig()
	return Options{Stability: c.Stability, SimilarityBoost: c.SimilarityBoost, Style: c.Style,
		SpeakerBoost: c.SpeakerBoost, Speed: c.Speed}
}

// Validate checks the voice settings' ranges and that Voice is an id.
func (o Options) Validate() error {
	if strings.ContainsAny(o.Voice, "/?#% \t\r\n") {
		return envflag.Field("Voice", "must be a voice id, such as JBFqnCBsd6RMkjVDRZzb")
	}
	return checkSettings(o.Stability, o.SimilarityBoost, o.Style, o.Speed)
}

// Backend describes the client for a catalogue of speech backends: named "elevenlabs", it reads the
// speech settings (base URL, empty for ElevenLabs'; API key, required; model, empty for
// DefaultModel; timeout) and its Options.
func Backend() backend.Backend[voice.Synthesizer] {
	config := func(s backend.Settings, o Options) Config {
		c := DefaultConfig()
		c.BaseURL, c.APIKey, c.Model, c.Timeout = s.BaseURL, s.APIKey, s.Model, s.Timeout
		c.Voice, c.Stability, c.SimilarityBoost, c.Style, c.SpeakerBoost, c.Speed = o.Voice, o.Stability,
			o.SimilarityBoost, o.Style, o.SpeakerBoost, o.Speed
		return c
	}
	return backend.Backend[voice.Synthesizer]{
		Name: "elevenlabs",
		Config: func() backend.Config {
			o := DefaultOptions()
			return &o
		},
		// The catalogue checks the Timeout of every backend, and the Options are checked on their
		// own; this checks what the client needs besides, so that nothing is reported twice.
		Validate: func(s backend.Settings) error {
			c := config(s, DefaultOptions())
			c.Timeout = DefaultConfig().Timeout
			return c.Validate()
		},
		Open: func(_ context.Context, s backend.Settings, own backend.Config, d backend.Deps) (voice.Synthesizer, func(), error) {
			o, ok := own.(*Options)
			if !ok {
				return nil, nil, domain.Errorf(domain.KindInternal, "elevenlabs: settings of type %T", own)
			}
			syn, err := New(config(s, *o), d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return syn, nil, nil
		},
	}
}
