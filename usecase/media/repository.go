package media

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
)

// Repository indexes stored files: who owns each, what it is, and what it belongs to. A blob no row
// names is an orphan. Implementation: adapter/sqlstore; conformance: test/contract/companionstoretest.
type Repository interface {
	// Create records a stored file. KindConflict if the key exists.
	Create(ctx context.Context, it media.Item) error
	// Get returns the item; KindNotFound if absent.
	Get(ctx context.Context, key media.Key) (media.Item, error)
	// Delete removes the record; absent is not an error.
	Delete(ctx context.Context, key media.Key) error
	// ListByCompanion lists the files tied to a companion.
	ListByCompanion(ctx context.Context, companionID domain.ID) ([]media.Item, error)
	// PublicHeader reports whether key is the header image of a published, not deleted companion —
	// the one kind of file anyone may fetch.
	PublicHeader(ctx context.Context, key media.Key) (bool, error)
	// InRoomOf reports whether key is the picture or voice of a message in a room viewer is in: the
	// files everyone in a room may open, whoever's they are.
	InRoomOf(ctx context.Context, key media.Key, viewer domain.ID) (bool, error)
	// Existing returns which of keys have a record (for finding orphans).
	Existing(ctx context.Context, keys []string) (map[string]bool, error)
}
