package tones

import (
	"context"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Backend describes the tones synthesizer to a hub's speech catalogue as "offline". It has no
// settings of its own and ignores the feature's (it needs no URL, key or model), so a hub with no
// speech service configured still answers with audio.
func Backend() backend.Backend[voice.Synthesizer] {
	return backend.Backend[voice.Synthesizer]{
		Name: "offline",
		Open: func(context.Context, backend.Settings, backend.Config, backend.Deps) (voice.Synthesizer, func(), error) {
			return New(), nil, nil
		},
	}
}
