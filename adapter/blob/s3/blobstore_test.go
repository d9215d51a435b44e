package s3

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/companionhub/companionhub/test/contract/blobstoretest"
	"github.com/companionhub/companionhub/usecase/media"
)

// TestBlobStoreS3Fake runs the conformance suite that adapter/blob runs against its local and
// memory backends.
func TestBlobStoreS3Fake(t *testing.T) {
	t.Parallel()
	fake := newFakeS3(t)
	t.Cleanup(func() {
		assert.NotZero(t, fake.continued.Load(), "the suite's listings span several pages")
	})
	blobstoretest.Run(t, func(t *testing.T) media.BlobStore {
		return fake.open(t)
	}, blobstoretest.Features{SignedURLs: true})
}
