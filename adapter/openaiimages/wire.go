package openaiimages

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/picture"
)

// ProviderSet provides a *Generator from a Config and an *http.Client and binds it to the
// picture.Generator port, for embedders who compose their own injectors.
var ProviderSet = wire.NewSet(New, wire.Bind(new(picture.Generator), new(*Generator)))
