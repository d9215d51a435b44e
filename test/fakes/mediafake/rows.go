package mediafake

import (
	"context"
	"slices"
	"sync"

	"github.com/companionhub/companionhub/domain/media"
	mediauc "github.com/companionhub/companionhub/usecase/media"
)

// Rows records the media rows created (or refuses them with Err) and deleted. The reads are left
// to the embedded nil interface: the features that store files have no business calling them.
type Rows struct {
	mediauc.Repository
	// Err, if set, answers every Create.
	Err error

	mu      sync.Mutex
	items   []media.Item
	deleted []media.Key
}

// Delete records the key (a row of a deleted picture).
func (r *Rows) Delete(_ context.Context, key media.Key) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.deleted = append(r.deleted, key)
	return nil
}

// Deleted are the keys deleted, in order.
func (r *Rows) Deleted() []media.Key {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.deleted)
}

func (r *Rows) Create(_ context.Context, it media.Item) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		return r.Err
	}
	r.items = append(r.items, it)
	return nil
}

// Created are the rows created, in order.
func (r *Rows) Created() []media.Item {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.items)
}
