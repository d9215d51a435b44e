package openaistt

import (
	"context"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Backend describes the client for a catalogue of transcription backends: named "openai", it
// reads the transcription settings (base URL, empty for OpenAI's; API key, required for OpenAI's;
// model, empty for DefaultModel; timeout). It has no settings of its own.
func Backend() backend.Backend[voice.Transcriber] {
	config := func(s backend.Settings) Config {
		return Config{BaseURL: s.BaseURL, APIKey: s.APIKey, Model: s.Model, Timeout: s.Timeout}
	}
	return backend.Backend[voice.Transcriber]{
		Name: "openai",
		// The catalogue checks the Timeout of every backend; this checks what the client needs
		// besides, so that nothing is reported twice.
		Validate: func(s backend.Settings) error {
			c := config(s)
			c.Timeout = DefaultConfig().Timeout
			return c.Validate()
		},
		Open: func(_ context.Context, s backend.Settings, _ backend.Config, d backend.Deps) (voice.Transcriber, func(), error) {
			tr, err := New(config(s), d.HTTP)
			if err != nil {
				return nil, nil, err
			}
			return tr, nil, nil
		},
	}
}
