package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"time"

	gcblob "gocloud.dev/blob"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/media"
)

// backend names the driver behind a Store; it decides the few behaviours gocloud does not unify.
type backend string

const (
	backendLocal  backend = "local"
	backendMemory backend = "memory"
	backendS3     backend = "s3"
)

// defaultPageSize is how many keys List fetches per backend call: S3's maximum, so a listing of N
// blobs costs N/1000 requests.
const defaultPageSize = 1000

// maxSignedURLTTL is the longest validity S3 accepts for a presigned URL (SigV4 caps it at a week).
const maxSignedURLTTL = 7 * 24 * time.Hour

// defaultContentType is stored for a Put without a content type, so that every backend answers the
// same instead of each sniffing or defaulting in its own way.
const defaultContentType = "application/octet-stream"

// Store is a media.BlobStore over a gocloud bucket, and media.Leftovers (which only the local
// backend ever has). It is safe for concurrent use.
type Store struct {
	bucket   *gcblob.Bucket
	backend  backend
	dir      string // the local backend's directory, for Ping
	pageSize int
}

var _ media.BlobStore = (*Store)(nil)

// Put streams r into key. gocloud writers only publish a blob when Close succeeds — fileblob
// renames a finished temporary file, memblob swaps in a finished buffer, S3 completes an upload —
// and all of them abandon the write if their context is cancelled first. So on any failure Put
// cancels before closing, and what was there before stays (or nothing does).
func (s *Store) Put(ctx context.Context, key, contentType string, r io.Reader) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if contentType == "" {
		contentType = defaultContentType
	} else if _, _, err := mime.ParseMediaType(contentType); err != nil {
		return errBadContentType.Wrap(fmt.Errorf("put %q: content type: %w", key, err))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(ctx, key, &gcblob.WriterOptions{ContentType: contentType})
	if err != nil {
		return s.fail("put", key, err)
	}
	src := &sourceReader{r: r}
	if _, err := io.Copy(w, src); err != nil {
		cancel()
		_ = w.Close() // the cancelled context makes it abort; its error only repeats ours
		if src.err != nil {
			return sourceError(key, src.err)
		}
		return s.fail("put", key, err)
	}
	if err := w.Close(); err != nil {
		return s.fail("put", key, err)
	}
	return nil
}

// sourceReader remembers the caller's read error, so Put can tell a broken input (the caller's
// problem, with the caller's kind) from a broken backend (unavailable).
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// Get opens key for reading. Read errors are classified like every other error of the store.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, media.BlobInfo, error) {
	if err := checkKey(key); err != nil {
		return nil, media.BlobInfo{}, err
	}
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, media.BlobInfo{}, s.fail("get", key, err)
	}
	info := media.BlobInfo{Key: key, Size: r.Size(), ContentType: r.ContentType(), ModTime: r.ModTime()}
	return &blobReader{r: r, s: s, key: key}, info, nil
}

type blobReader struct {
	r   *gcblob.Reader
	s   *Store
	key string
}

func (b *blobReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = b.s.fail("read", b.key, err)
	}
	return n, err
}

// Seek moves where the next Read starts (io.Seeker), so that a file can be served in ranges: a
// seek only moves the offset, the next Read opens the range from there.
func (b *blobReader) Seek(offset int64, whence int) (int64, error) {
	n, err := b.r.Seek(offset, whence)
	if err != nil {
		err = b.s.fail("seek", b.key, err)
	}
	return n, err
}

func (b *blobReader) Close() error {
	if err := b.r.Close(); err != nil {
		return b.s.fail("close reader", b.key, err)
	}
	return nil
}

// Stat describes key without reading it.
func (s *Store) Stat(ctx context.Context, key string) (media.BlobInfo, error) {
	if err := checkKey(key); err != nil {
		return media.BlobInfo{}, err
	}
	a, err := s.bucket.Attributes(ctx, key)
	if err != nil {
		return media.BlobInfo{}, s.fail("stat", key, err)
	}
	return media.BlobInfo{Key: key, Size: a.Size, ContentType: a.ContentType, ModTime: a.ModTime}, nil
}

// Delete removes key. gocloud reports an absent key as NotFound (s3blob even asks S3 first, since
// S3 itself does not care); the port wants that to be success, so a retried delete is harmless.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := s.bucket.Delete(ctx, key)
	if err != nil && s.kindOf(err) == domain.KindNotFound {
		return nil
	}
	if err != nil {
		return s.fail("delete", key, err)
	}
	return nil
}

// List walks the keys under prefix page by page in key order and hands each to fn, returning fn's
// first error unchanged. ContentType is left empty: listings (S3's included) do not carry it, and
// asking for it per blob would turn one request per thousand blobs into one per blob; call Stat
// for the blobs that need it.
//
// On the local backend, listing order is the directory walk's order, which is key order for keys
// whose path segments never continue with a character below "/" (such as "a/b" beside "a-b");
// media keys ("img/<random>.<ext>") always qualify.
func (s *Store) List(ctx context.Context, prefix string, fn func(media.BlobInfo) error) error {
	if err := checkPrefix(prefix); err != nil {
		return err
	}
	opts := &gcblob.ListOptions{Prefix: prefix}
	token := gcblob.FirstPageToken
	for {
		objs, next, err := s.bucket.ListPage(ctx, token, s.pageSize, opts)
		if err != nil {
			return s.fail("list", prefix, err)
		}
		for _, o := range objs {
			if o.IsDir || (s.backend == backendLocal && isLocalBookkeeping(o.Key)) {
				continue
			}
			if err := fn(media.BlobInfo{Key: o.Key, Size: o.Size, ModTime: o.ModTime}); err != nil {
				return err
			}
		}
		if len(next) == 0 {
			return nil
		}
		token = next
	}
}

// SignedURL presigns a GET of key on S3. The local directory and memory cannot hand out URLs
// anyone else could use, so the hub serves those blobs itself.
func (s *Store) SignedURL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if s.backend != backendS3 {
		return "", media.ErrSignedURLUnsupported
	}
	if ttl <= 0 || ttl > maxSignedURLTTL {
		return "", errBadTTL.Wrap(fmt.Errorf("signed URL for %q: ttl %v", key, ttl))
	}
	u, err := s.bucket.SignedURL(ctx, key, &gcblob.SignedURLOptions{Expiry: ttl})
	if err != nil {
		return "", s.fail("sign URL", key, err)
	}
	return u, nil
}

// Ping is the readiness check: one listing of at most one key, which needs the bucket to exist and
// the credentials to allow reading it. On the local backend it also checks the directory itself,
// since fileblob lists a vanished directory as empty.
func (s *Store) Ping(ctx context.Context) error {
	if s.backend == backendLocal {
		fi, err := os.Stat(s.dir)
		if err == nil && !fi.IsDir() {
			err = errors.New("not a directory")
		}
		if err != nil {
			return errUnavailable.Wrap(fmt.Errorf("blob store (%s) ping: %w", s.backend, err))
		}
	}
	if _, _, err := s.bucket.ListPage(ctx, gcblob.FirstPageToken, 1, nil); err != nil {
		return s.fail("ping", "", err)
	}
	return nil
}

// Close releases the bucket. The Store is unusable afterwards.
func (s *Store) Close() error {
	if err := s.bucket.Close(); err != nil {
		return fmt.Errorf("close blob store (%s): %w", s.backend, err)
	}
	return nil
}
