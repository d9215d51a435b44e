package elevenlabs

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/voice"
)

// ProviderSet provides a *Synthesizer from a Config and an *http.Client and binds it to the
// voice.Synthesizer port, for embedders who compose their own injectors.
var ProviderSet = wire.NewSet(New, wire.Bind(new(voice.Synthesizer), new(*Synthesizer)))
