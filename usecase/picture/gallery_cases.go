package picture

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/domain/picture"
)

// List is a page of a person's gallery, newest first: all their pictures, or one companion's.
type List struct {
	OwnerID     domain.ID
	CompanionID domain.ID // zero: every picture of the owner
	Page        domain.Page
}

// Page is one page of a gallery and how many pictures it holds in all.
type Page struct {
	Pictures []picture.Picture
	Next     domain.Cursor
	Total    int
}

type listHandler struct{ d Deps }

func (h listHandler) Handle(ctx context.Context, in List) (Page, error) {
	f := picture.Filter{OwnerID: in.OwnerID, CompanionID: in.CompanionID}
	if !in.CompanionID.IsZero() && h.d.Companions != nil {
		if _, err := h.d.Companions.Get(ctx, in.OwnerID, in.CompanionID); err != nil {
			return Page{}, err // another user's companion is not found, not an empty gallery
		}
	}
	pics, next, err := h.d.Gallery.List(ctx, f, in.Page)
	if err != nil {
		return Page{}, err
	}
	total, err := h.d.Gallery.Count(ctx, f)
	if err != nil {
		return Page{}, err
	}
	return Page{Pictures: pics, Next: next, Total: total}, nil
}

// Get is one picture of the owner's gallery.
type Get struct {
	OwnerID, ID domain.ID
}

type getHandler struct{ d Deps }

func (h getHandler) Handle(ctx context.Context, in Get) (picture.Picture, error) {
	return h.d.Gallery.Get(ctx, in.OwnerID, in.ID)
}

// Delete removes a picture from the owner's gallery with its files; the chat message that showed
// it says it was removed.
type Delete struct {
	OwnerID, ID domain.ID
}

type deleteHandler struct{ d Deps }

func (h deleteHandler) Handle(ctx context.Context, in Delete) (picture.Picture, error) {
	p, err := h.d.Gallery.Delete(ctx, in.OwnerID, in.ID)
	if err != nil {
		return picture.Picture{}, err
	}
	// The row is gone: the files are unreachable now, and one that cannot be deleted here is the
	// orphan sweep's (`admin cleanup-orphans`), never the person's problem.
	for _, img := range []media.Image{p.Image, p.Thumb} {
		if img.IsZero() {
			continue
		}
		if err := h.d.Media.Delete(ctx, img.Key); err == nil {
			_ = h.d.Blobs.Delete(ctx, img.Key.String())
		}
	}
	return p, nil
}
