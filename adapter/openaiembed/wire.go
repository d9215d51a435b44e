package openaiembed

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/memory"
)

// ProviderSet provides an *Embedder from a Config and an *http.Client and binds it to the
// memory.Embedder port, for embedders who compose their own injectors.
var ProviderSet = wire.NewSet(New, wire.Bind(new(memory.Embedder), new(*Embedder)))
