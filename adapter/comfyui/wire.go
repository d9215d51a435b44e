package comfyui

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/picture"
)

// ProviderSet provides a *Client from a Config and an *http.Client and binds it to the
// picture.Generator port, for embedders that wire the image backend themselves.
var ProviderSet = wire.NewSet(New, wire.Bind(new(picture.Generator), new(*Client)))
