package companion

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// GetLorebook returns the lorebook of one of the caller's companions (its card's character_book,
// read by companion.ReadBook: every entry with a stable id), in the trash or not. A companion
// without one has an empty book; another user's is companion.ErrNotFound.
type GetLorebook struct {
	OwnerID domain.ID
	ID      domain.ID
}

type getLorebookHandler struct{ d Deps }

func (h getLorebookHandler) Handle(ctx context.Context, in GetLorebook) (companion.Book, error) {
	c, err := h.d.Store.Companions().Get(ctx, in.OwnerID, in.ID)
	if err != nil {
		return companion.Book{}, err
	}
	return companion.ReadBook(c.Profile().Spec().Card.CharacterBook), nil
}
