package hashembed

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/memory"
)

// ProviderSet provides the hashing *Embedder from a Config and binds it to the memory.Embedder
// port, for the embedded profile and tests.
var ProviderSet = wire.NewSet(New, wire.Bind(new(memory.Embedder), new(*Embedder)))
