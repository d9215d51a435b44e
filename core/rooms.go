package core

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	roomuc "github.com/companionhub/companionhub/usecase/room"
)

// provideRooms builds the group-chat rooms' use cases. A person may bring into a room a companion of
// theirs that is not in the trash, or a published one they may see (a mature or explicit one only
// once they confirmed they are adults).
func provideRooms(cfg Config, store roomuc.Store, companions *companionuc.App, published community.Store, comm *community.App,
	guard *ratelimit.Guard, clock usecase.Clock, obs []decorator.Observer) (*roomuc.App, error) {
	check := func(ctx context.Context, userID, companionID domain.ID) (string, error) {
		c, err := companions.Get.Handle(ctx, companionuc.Get{OwnerID: userID, ID: companionID})
		switch {
		case err == nil && !c.Deleted():
			return c.Profile().Name(), nil
		case err != nil && !domain.IsKind(err, domain.KindNotFound):
			return "", err
		}
		l, err := published.Get(ctx, companionID)
		if err != nil {
			if domain.IsKind(err, domain.KindNotFound) {
				return "", roomuc.ErrNotYourCompanion
			}
			return "", err
		}
		if l.Companion.Profile().Spec().ContentRating != companion.RatingGeneral {
			adult, err := comm.Adult.Handle(ctx, community.AdultStatus{UserID: userID})
			if err != nil {
				return "", err
			}
			if !adult {
				return "", roomuc.ErrNotYourCompanion
			}
		}
		return l.Companion.Profile().Name(), nil
	}
	return roomuc.NewApp(roomuc.Deps{Store: store, Companions: check, Clock: clock, Guard: guard,
		Change: cfg.RateLimits.rules().Settings}, obs...)
}
