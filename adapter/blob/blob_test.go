package blob

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/contract/blobstoretest"
	"github.com/companionhub/companionhub/usecase/media"
)

// The S3 backend runs the same suite in adapter/blob/s3.

// testPageSize makes the suite's 150-key listing span several pages.
const testPageSize = 40

func open(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(t.Context(), Config{URL: secret.String(url)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	require.NoError(t, s.Ping(t.Context()))
	return s
}

func TestBlobStoreLocal(t *testing.T) {
	t.Parallel()
	blobstoretest.Run(t, func(t *testing.T) media.BlobStore {
		s := open(t, t.TempDir()+"/blobs") // a directory Open has to create
		s.pageSize = testPageSize
		return s
	}, blobstoretest.Features{})
}

func TestBlobStoreMemory(t *testing.T) {
	t.Parallel()
	blobstoretest.Run(t, func(t *testing.T) media.BlobStore {
		s := open(t, "mem://")
		s.pageSize = testPageSize
		return s
	}, blobstoretest.Features{})
}
