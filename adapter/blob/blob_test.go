package blob

import (
	"os"
	"path/filepath"
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
	}, blobstoretest.Features{Leftovers: crash})
}

// crash leaves under prefix what kill -9 would: a write cut off midway (its temporary file) and a
// delete cut off between removing the blob and its sidecar.
func crash(t *testing.T, bs media.BlobStore, prefix string) []string {
	t.Helper()
	s := bs.(*Store)
	key := prefix + "cutoff0000000000.png"
	gone := prefix + "deleted000000000.png"
	names := []string{key + ".18a2b3c4d5e6f708.tmp", gone + ".attrs"}
	for _, name := range names {
		path := filepath.Join(s.dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o750))
		require.NoError(t, os.WriteFile(path, []byte("left behind"), 0o600))
	}
	return names
}

func TestBlobStoreMemory(t *testing.T) {
	t.Parallel()
	blobstoretest.Run(t, func(t *testing.T) media.BlobStore {
		s := open(t, "mem://")
		s.pageSize = testPageSize
		return s
	}, blobstoretest.Features{})
}
