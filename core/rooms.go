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

// provideRooms builds the group-chat rooms' use cases over the companions' and the community's
// stores (which companions a person may bring is usecase/room's rule).
func provideRooms(cfg Config, store roomuc.Store, companions companionuc.Store, published community.Store, comm *community.App,
	guard *ratelimit.Guard, clock usecase.Clock, obs []decorator.Observer) (*roomuc.App, error) {
	return roomuc.NewApp(roomuc.Deps{Store: store, Clock: clock, Guard: guard, Change: cfg.RateLimits.rules().Settings,
		Companions: roomuc.Companions{
			Owned: func(ctx context.Context, owner, id domain.ID) (*companion.Companion, error) {
				return companions.Companions().Get(ctx, owner, id)
			},
			Published: func(ctx context.Context, id domain.ID) (*companion.Companion, error) {
				l, err := published.Get(ctx, id)
				return l.Companion, err
			},
			Adult: func(ctx context.Context, userID domain.ID) (bool, error) {
				return comm.Adult.Handle(ctx, community.AdultStatus{UserID: userID})
			},
		}}, obs...)
}
