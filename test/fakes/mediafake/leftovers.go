package mediafake

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// Crashed is Blobs that crashes have left files of its own in (media.Leftovers), as the local
// directory can be: a test places them (AddLeftover), and the fake records what it is asked to
// delete and can be told to fail. It passes the blob store suite, leftovers included.
type Crashed struct {
	*Blobs
	// ListLeftoversErr, if set, answers every ListLeftovers.
	ListLeftoversErr error
	// FailDeleteLeftover, if set, answers DeleteLeftover of the names it returns an error for.
	FailDeleteLeftover func(name string) error

	mu      sync.Mutex
	left    map[string]mediauc.BlobInfo
	deleted []string
}

var _ mediauc.Leftovers = (*Crashed)(nil)

// NewCrashed is an empty store with no leftovers.
func NewCrashed() *Crashed {
	return &Crashed{Blobs: NewBlobs(), left: map[string]mediauc.BlobInfo{}}
}

// AddLeftover leaves a file of size bytes named name, last written at mod.
func (c *Crashed) AddLeftover(name string, size int64, mod time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.left[name] = mediauc.BlobInfo{Key: name, Size: size, ModTime: mod}
}

// ListLeftovers lists the leftovers under prefix in name order. Prefixes are checked as the real
// store checks them.
func (c *Crashed) ListLeftovers(ctx context.Context, prefix string, fn func(mediauc.BlobInfo) error) error {
	if c.ListLeftoversErr != nil {
		return c.ListLeftoversErr
	}
	if err := c.store.ListLeftovers(ctx, prefix, fn); err != nil { // the memory store has none: only its checks
		return err
	}
	c.mu.Lock()
	var found []mediauc.BlobInfo
	for _, name := range slices.Sorted(maps.Keys(c.left)) {
		if strings.HasPrefix(name, prefix) {
			found = append(found, c.left[name])
		}
	}
	c.mu.Unlock()
	for _, b := range found {
		if err := fn(b); err != nil {
			return err
		}
	}
	return nil
}

// DeleteLeftover removes a leftover AddLeftover placed; any other name is answered as the memory
// store answers it (a blob's key is refused with media.ErrNotLeftover, a leftover's shape is
// already gone).
func (c *Crashed) DeleteLeftover(ctx context.Context, name string) error {
	if c.FailDeleteLeftover != nil {
		if err := c.FailDeleteLeftover(name); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.left[name]; !ok {
		return c.store.DeleteLeftover(ctx, name)
	}
	delete(c.left, name)
	c.deleted = append(c.deleted, name)
	return nil
}

// Leftovers are the names of the leftovers still there, in order.
func (c *Crashed) Leftovers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.left))
}

// DeletedLeftovers are the names DeleteLeftover removed, in order.
func (c *Crashed) DeletedLeftovers() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.deleted)
}
