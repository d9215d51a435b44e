package placeholder

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/picture"
)

// ProviderSet provides the placeholder *Generator and binds it to the picture.Generator port, for
// the embedded profile and tests.
var ProviderSet = wire.NewSet(New, wire.Bind(new(picture.Generator), new(*Generator)))
