// Package mediafake holds in-memory fakes of the media ports for use-case tests: they keep what
// they are given, record what they are asked, and can be told to fail.
package mediafake

import (
	"bytes"
	"context"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/companionhub/companionhub/domain"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// Blobs is a blob store in a map, listing in key order as the port says. Stat and SignedURL are
// left to the embedded nil interface: the use cases under test have no business calling them, and
// calling one panics and fails the test.
type Blobs struct {
	mediauc.BlobStore
	// PutErr, if set, answers every Put.
	PutErr error
	// FailDelete, if set, answers Delete of the keys it returns an error for.
	FailDelete func(key string) error
	// ListErr, if set, answers every List.
	ListErr error

	mu      sync.Mutex
	blobs   map[string]blob
	gets    []string
	deleted []string
}

type blob struct {
	data []byte
	info mediauc.BlobInfo
}

// NewBlobs is an empty store.
func NewBlobs() *Blobs { return &Blobs{blobs: map[string]blob{}} }

// Add stores data under key, last modified at mod, as if it had been there all along.
func (b *Blobs) Add(key string, data []byte, mod time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.blobs[key] = blob{data: data, info: mediauc.BlobInfo{Key: key, Size: int64(len(data)), ModTime: mod}}
}

func (b *Blobs) Put(_ context.Context, key, contentType string, r io.Reader) error {
	if b.PutErr != nil {
		return b.PutErr
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.blobs[key] = blob{data: data, info: mediauc.BlobInfo{Key: key, Size: int64(len(data)), ContentType: contentType}}
	return nil
}

func (b *Blobs) Get(_ context.Context, key string) (io.ReadCloser, mediauc.BlobInfo, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gets = append(b.gets, key)
	bl, ok := b.blobs[key]
	if !ok {
		return nil, mediauc.BlobInfo{}, domain.E(domain.KindNotFound, "blob_not_found", "no such blob")
	}
	return io.NopCloser(bytes.NewReader(bl.data)), bl.info, nil
}

// Delete refuses an ended context, as a real store would.
func (b *Blobs) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return domain.Errorf(domain.KindUnavailable, "delete: %w", err)
	}
	if b.FailDelete != nil {
		if err := b.FailDelete(key); err != nil {
			return err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.blobs, key)
	b.deleted = append(b.deleted, key)
	return nil
}

func (b *Blobs) List(_ context.Context, prefix string, fn func(mediauc.BlobInfo) error) error {
	if b.ListErr != nil {
		return b.ListErr
	}
	b.mu.Lock()
	var infos []mediauc.BlobInfo
	for _, k := range slices.Sorted(maps.Keys(b.blobs)) {
		if strings.HasPrefix(k, prefix) {
			infos = append(infos, b.blobs[k].info)
		}
	}
	b.mu.Unlock()
	for _, info := range infos {
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

// Has says whether key holds a blob.
func (b *Blobs) Has(key string) bool {
	_, _, ok := b.Blob(key)
	return ok
}

// Blob is what key holds: its bytes and content type.
func (b *Blobs) Blob(key string) ([]byte, string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bl, ok := b.blobs[key]
	return bl.data, bl.info.ContentType, ok
}

// Count is how many blobs the store holds.
func (b *Blobs) Count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.blobs)
}

// Gets are the keys Get was asked for, in order.
func (b *Blobs) Gets() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.gets)
}

// Deleted are the keys deleted, in order.
func (b *Blobs) Deleted() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.deleted)
}
