package s3

import (
	"github.com/google/wire"

	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/usecase/media"
)

// ProviderSet builds an S3-backed blob.Store with Open from the injector's context and blob.Config
// and binds it to media.BlobStore. Open stays a plain function, so embedders can call it without
// Wire; whoever builds the Store closes it.
var ProviderSet = wire.NewSet(Open, wire.Bind(new(media.BlobStore), new(*blob.Store)))
