package blob

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/usecase/media"
)

// ProviderSet builds the Store with Open from the injector's context and Config and binds it to
// media.BlobStore. It serves the local and memory backends; an injector that must also serve
// s3:// URLs uses adapter/blob/s3's set or chooses between the two Opens with Config.S3. Open stays a
// plain function, so embedders can call it without Wire; whoever builds the Store closes it.
var ProviderSet = wire.NewSet(Open, wire.Bind(new(media.BlobStore), new(*Store)))
