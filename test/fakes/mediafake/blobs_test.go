package mediafake_test

import (
	"testing"

	"github.com/companionhub/companionhub/test/contract/blobstoretest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// The fake is trusted for what the real stores do because it passes their suite.
func TestBlobsConformance(t *testing.T) {
	t.Parallel()
	blobstoretest.Run(t, func(*testing.T) mediauc.BlobStore { return mediafake.NewBlobs() }, blobstoretest.Features{})
}
