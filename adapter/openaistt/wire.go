package openaistt

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/voice"
)

// ProviderSet provides a *Transcriber from a Config and an *http.Client and binds it to the
// voice.Transcriber port, for embedders who compose their own injectors.
var ProviderSet = wire.NewSet(New, wire.Bind(new(voice.Transcriber), new(*Transcriber)))
