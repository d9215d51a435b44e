package blob

import (
	"context"
	"path/filepath"

	gcblob "gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"

	"github.com/companionhub/companionhub/domain"
)

// Open opens the local or memory store c names; the local backend creates its directory. An s3://
// URL is validated like any other and then refused with ErrS3NotLinked: adapter/blob/s3's Open
// opens those. Neither backend waits on anything a context could cancel; Open takes one anyway so
// that both Opens have the same signature. The caller closes the store.
func Open(ctx context.Context, c Config) (*Store, error) {
	loc, err := parseLocation(c.URL.Reveal())
	if err != nil {
		return nil, invalidURL(err)
	}
	switch loc.backend {
	case backendMemory:
		return newStore(memblob.OpenBucket(nil), backendMemory, ""), nil
	case backendLocal:
		dir, err := filepath.Abs(loc.dir)
		if err != nil {
			return nil, domain.Errorf(domain.KindInvalid, "blob store: directory: %w", err)
		}
		// NoTempDir writes the temporary file beside its destination, so the final rename never
		// crosses a file system (os.TempDir often is another mount) and nothing lives outside dir.
		b, err := fileblob.OpenBucket(dir, &fileblob.Options{CreateDir: true, NoTempDir: true, DirFileMode: 0o750})
		if err != nil {
			return nil, domain.Errorf(domain.KindUnavailable, "blob store: directory %s: %w", dir, err)
		}
		return newStore(b, backendLocal, dir), nil
	default:
		return nil, ErrS3NotLinked
	}
}

// NewS3Store is for driver packages such as adapter/blob/s3: it serves b, a bucket on S3 or an
// S3-compatible service that the driver opened (and prefixed, if need be), as a Store with S3's
// behaviours — SignedURL presigns, and a missing bucket is unavailability, not a missing file.
// The Store owns b: its Close closes b.
func NewS3Store(b *gcblob.Bucket) *Store {
	if b == nil {
		panic("blob.NewS3Store: nil bucket")
	}
	return newStore(b, backendS3, "")
}

func newStore(b *gcblob.Bucket, be backend, dir string) *Store {
	return &Store{bucket: b, backend: be, dir: dir, pageSize: defaultPageSize}
}
