package a1111

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/picture"
)

// ProviderSet provides a *Client from a Config and an *http.Client and binds it to the
// picture.Generator port, for an embedder that wires an AUTOMATIC1111/Forge server in code
// instead of through the image catalogue.
var ProviderSet = wire.NewSet(New, wire.Bind(new(picture.Generator), new(*Client)))
