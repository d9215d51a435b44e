package tones

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/voice"
)

// ProviderSet provides the tones *Synthesizer and binds it to the voice.Synthesizer port, for the
// embedded profile and tests.
var ProviderSet = wire.NewSet(New, wire.Bind(new(voice.Synthesizer), new(*Synthesizer)))
