package room

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
)

// usable is the name of a companion userID may bring into a room: one of theirs that is not in the
// trash, or a published one they may see (a mature or explicit one once they confirmed they are an
// adult, as the community's pages show them); ErrNotYourCompanion for any other, so that a room
// never tells whether someone else's private companion exists.
func (d Deps) usable(ctx context.Context, userID, companionID domain.ID) (string, error) {
	c, err := d.Companions.Owned(ctx, userID, companionID)
	switch {
	case err == nil && !c.Deleted():
		return c.Profile().Name(), nil
	case err != nil && !domain.IsKind(err, domain.KindNotFound):
		return "", err
	}
	c, err = d.Companions.Published(ctx, companionID)
	if domain.IsKind(err, domain.KindNotFound) {
		return "", ErrNotYourCompanion
	}
	if err != nil {
		return "", err
	}
	if c.Profile().Spec().ContentRating != companion.RatingGeneral {
		adult, err := d.Companions.Adult(ctx, userID)
		if err != nil {
			return "", err
		}
		if !adult {
			return "", ErrNotYourCompanion
		}
	}
	return c.Profile().Name(), nil
}
