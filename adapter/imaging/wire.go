package imaging

import (
	"github.com/google/wire"

	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// ProviderSet provides a *Processor and binds it to the media use cases' ImageProcessor.
var ProviderSet = wire.NewSet(New, wire.Bind(new(mediauc.ImageProcessor), new(*Processor)))
