package community

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// View is a published companion's page: it counts a view (at most Policy.View per client address
// and companion; beyond it the companion is shown and not counted).
type View struct {
	Viewer      Viewer
	CompanionID domain.ID
}

// Viewed is what a viewer sees: the listing, and their own rating of it (0: none, or anonymous).
type Viewed struct {
	Listing  Listing
	MyRating int
}

type viewHandler struct{ d Deps }

func (h viewHandler) Handle(ctx context.Context, in View) (Viewed, error) {
	if err := h.d.Guard.Check(ctx, h.d.Policy.Browse, in.Viewer.IP); err != nil {
		return Viewed{}, err
	}
	l, err := h.d.visible(ctx, in.Viewer.UserID, in.CompanionID)
	if err != nil {
		return Viewed{}, err
	}
	// A view over the limit is not an error: the page is shown, the count stays.
	if h.d.Guard.Check(ctx, h.d.Policy.View, in.Viewer.IP, in.CompanionID.String()) == nil {
		if err := h.d.Store.CountView(ctx, in.CompanionID); err == nil {
			l.Views++
		}
	}
	out := Viewed{Listing: l}
	if !in.Viewer.UserID.IsZero() {
		if out.MyRating, err = h.d.Store.RatingBy(ctx, in.CompanionID, in.Viewer.UserID); err != nil {
			return Viewed{}, err
		}
	}
	return out, nil
}
