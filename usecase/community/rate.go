package community

import (
	"context"

	"github.com/companionhub/companionhub/domain"
)

// ErrOwnCompanion refuses rating one's own companion.
var ErrOwnCompanion = domain.E(domain.KindForbidden, "own_companion", "you cannot rate your own companion")

// Rate sets a person's rating (1–5) of a published companion they may see, replacing their
// earlier one.
type Rate struct {
	UserID      domain.ID
	CompanionID domain.ID
	Rating      int
}

// Rated is the companion's ratings after the change.
type Rated struct {
	Count   int64
	Average float64
	Mine    int
}

type rateHandler struct{ d Deps }

func (h rateHandler) Handle(ctx context.Context, in Rate) (Rated, error) {
	if in.UserID.IsZero() {
		return Rated{}, ErrAccountNeeded
	}
	if in.Rating < 1 || in.Rating > 5 {
		return Rated{}, domain.Invalid(domain.Violation("rating", "out_of_range", "rating must be a whole number from 1 to 5"))
	}
	l, err := h.d.visible(ctx, in.UserID, in.CompanionID)
	if err != nil {
		return Rated{}, err
	}
	if l.Companion.OwnerID() == in.UserID {
		return Rated{}, ErrOwnCompanion
	}
	count, sum, err := h.d.Store.Rate(ctx, in.CompanionID, in.UserID, in.Rating, h.d.Clock.Now())
	if err != nil {
		return Rated{}, err
	}
	return Rated{Count: count, Average: Listing{RatingCount: count, RatingSum: sum}.RatingAverage(), Mine: in.Rating}, nil
}
