package tones

import (
	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/usecase/voice"
)

// Backend describes the tones synthesizer to a hub's speech catalogue as "offline". It has no
// settings of its own and ignores the feature's (it needs no URL, key or model), so a hub with no
// speech service configured still answers with audio.
func Backend() backend.Backend[voice.Synthesizer] {
	return backend.Local("offline", nil, func(backend.NoConfig) (voice.Synthesizer, error) { return New(), nil })
}
