package companion

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// Get returns one of the caller's companions, in the trash or not: the owner can read the trash
// (Deleted says whether it is there), only not change it.
type Get struct {
	OwnerID domain.ID
	ID      domain.ID
}

type getHandler struct{ d Deps }

func (h getHandler) Handle(ctx context.Context, in Get) (*companion.Companion, error) {
	return h.d.Store.Companions().Get(ctx, in.OwnerID, in.ID)
}

// List lists the caller's companions newest first, or those in the trash.
type List struct {
	OwnerID domain.ID
	Trashed bool
	Page    domain.Page
}

// Page is one page of companions and the cursor of the next (zero at the end).
type Page struct {
	Items []*companion.Companion
	Next  domain.Cursor
}

type listHandler struct{ d Deps }

func (h listHandler) Handle(ctx context.Context, in List) (Page, error) {
	items, next, err := h.d.Store.Companions().List(ctx, in.OwnerID, in.Trashed, in.Page)
	return Page{Items: items, Next: next}, err
}
