package charcard

import (
	"github.com/google/wire"

	companionuc "github.com/companionhub/companionhub/usecase/companion"
)

// ProviderSet provides a *Codec and binds it to the companion use cases' CardCodec.
var ProviderSet = wire.NewSet(New, wire.Bind(new(companionuc.CardCodec), new(*Codec)))
