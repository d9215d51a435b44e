package picture

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/picture"
)

// Gallery keeps the rows of generated pictures (their files are the blob store's, indexed by the
// media repository). Implementation: adapter/sqlstore; conformance: test/contract/gallerytest.
type Gallery interface {
	// Create records a picture. KindConflict if its ID exists.
	Create(ctx context.Context, p picture.Picture) error
	// Get returns the owner's picture; picture.ErrNotFound when it does not exist or is another
	// user's.
	Get(ctx context.Context, ownerID, id domain.ID) (picture.Picture, error)
	// List returns a page of the pictures f selects, newest first (keyset: created_at, then id,
	// descending), and the cursor of the next page (zero after the last).
	List(ctx context.Context, f picture.Filter, p domain.Page) ([]picture.Picture, domain.Cursor, error)
	// Count is how many pictures f selects.
	Count(ctx context.Context, f picture.Filter) (int, error)
	// Delete removes the owner's picture and returns it (its files are the caller's to delete);
	// picture.ErrNotFound as Get. The chat message that showed it, if any, loses it in the same
	// transaction and says so (chat.Message.PictureRemoved).
	Delete(ctx context.Context, ownerID, id domain.ID) (picture.Picture, error)
}
