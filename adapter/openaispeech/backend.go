package openaispeech

import (
	"context"
	"strings"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Options are the backend's own settings, beside the speech settings every voice backend reads.
type Options struct {
	// Voice is the voice of companions that name none (see Config.Voice).
	Voice string `env:"TTS_OPENAI_VOICE" help:"voice the OpenAI text-to-speech backend speaks in when a companion names none (alloy, ash, coral, echo, fable, nova, onyx, sage, shimmer…, or a voice of the server at TTS_BASE_URL)"`
}

// DefaultOptions speak in DefaultVoice.
func DefaultOptions() Options { return Options{Voice: DefaultVoice} }

// Validate checks the voice (Config.Validate's rule).
func (o Options) Validate() error {
	if o.Voice != strings.TrimSpace(o.Voice) {
		return envflag.Field("Voice", "must not start or end with spaces")
	}
	return nil
}

// Backend describes the client for a catalogue of speech backends: named "openai", it reads the
// speech settings (base URL, empty for OpenAI's; API key, required for OpenAI's; model, empty for
// DefaultModel; timeout) and its Options.
func Backend() backend.Backend[voice.Synthesizer] {
	config := func(s backend.Settings, o Options) Config {
		return Config{BaseURL: s.BaseURL, APIKey: s.APIKey, Model: s.Model, Voice: o.Voice, Timeout: s.Timeout}
	}
	return backend.Backend[voice.Synthesizer]{
		Name: "openai",
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
				return nil, nil, domain.Errorf(domain.KindInternal, "openaispeech: settings of type %T", own)
			}
			syn, err := New(config(s, *o), d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return syn, nil, nil
		},
	}
}
