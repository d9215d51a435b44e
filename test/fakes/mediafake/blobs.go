// Package mediafake holds fakes of the media ports for use-case tests: they keep what they are
// given, record what they are asked, and can be told to fail.
package mediafake

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/companionhub/companionhub/adapter/blob"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// Blobs is the hub's own memory blob store (adapter/blob, mem://), which passes the blob store
// suite, with what tests need on top: it records the keys read and deleted, can be told to fail,
// and can hold blobs last modified whenever a test says (Add). It runs the suite itself, so the
// behaviour under the recording is the real store's.
type Blobs struct {
	// PutErr, if set, answers every Put.
	PutErr error
	// FailDelete, if set, answers Delete of the keys it returns an error for.
	FailDelete func(key string) error
	// ListErr, if set, answers every List.
	ListErr error

	store   *blob.Store
	mu      sync.Mutex
	mods    map[string]time.Time // ModTimes set by Add
	gets    []string
	deleted []string
}

var _ mediauc.BlobStore = (*Blobs)(nil)

// NewBlobs is an empty store.
func NewBlobs() *Blobs {
	s, err := blob.Open(context.Background(), blob.Config{URL: secret.String("mem://")})
	if err != nil {
		panic("mediafake: open a memory blob store: " + err.Error())
	}
	return &Blobs{store: s, mods: map[string]time.Time{}}
}

// Add stores data under key, last modified at mod, as if it had been there all along.
func (b *Blobs) Add(key string, data []byte, mod time.Time) {
	if err := b.store.Put(context.Background(), key, "application/octet-stream", bytes.NewReader(data)); err != nil {
		panic("mediafake: add " + key + ": " + err.Error())
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.mods[key] = mod
}

func (b *Blobs) Put(ctx context.Context, key, contentType string, r io.Reader) error {
	if b.PutErr != nil {
		return b.PutErr
	}
	if err := b.store.Put(ctx, key, contentType, r); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.mods, key)
	return nil
}

func (b *Blobs) Get(ctx context.Context, key string) (io.ReadCloser, mediauc.BlobInfo, error) {
	b.mu.Lock()
	b.gets = append(b.gets, key)
	b.mu.Unlock()
	rc, info, err := b.store.Get(ctx, key)
	return rc, b.withMod(info), err
}

func (b *Blobs) Stat(ctx context.Context, key string) (mediauc.BlobInfo, error) {
	info, err := b.store.Stat(ctx, key)
	return b.withMod(info), err
}

// Delete refuses an ended context, as stores over a network do (the memory store does not look).
func (b *Blobs) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return domain.Errorf(domain.KindUnavailable, "delete: %w", err)
	}
	if b.FailDelete != nil {
		if err := b.FailDelete(key); err != nil {
			return err
		}
	}
	if err := b.store.Delete(ctx, key); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.mods, key)
	b.deleted = append(b.deleted, key)
	return nil
}

func (b *Blobs) List(ctx context.Context, prefix string, fn func(mediauc.BlobInfo) error) error {
	if b.ListErr != nil {
		return b.ListErr
	}
	return b.store.List(ctx, prefix, func(info mediauc.BlobInfo) error { return fn(b.withMod(info)) })
}

func (b *Blobs) SignedURL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return b.store.SignedURL(ctx, key, ttl)
}

// withMod is info with the ModTime Add gave its blob, if it did.
func (b *Blobs) withMod(info mediauc.BlobInfo) mediauc.BlobInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	if mod, ok := b.mods[info.Key]; ok {
		info.ModTime = mod
	}
	return info
}

// Has says whether key holds a blob.
func (b *Blobs) Has(key string) bool {
	_, err := b.store.Stat(context.Background(), key)
	return err == nil
}

// Blob is what key holds: its bytes and content type.
func (b *Blobs) Blob(key string) ([]byte, string, bool) {
	rc, info, err := b.store.Get(context.Background(), key)
	if err != nil {
		return nil, "", false
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, "", false
	}
	return data, info.ContentType, true
}

// Count is how many blobs the store holds.
func (b *Blobs) Count() int {
	n := 0
	_ = b.store.List(context.Background(), "", func(mediauc.BlobInfo) error { n++; return nil })
	return n
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
