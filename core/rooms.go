package core

import (
	"context"

	"github.com/companionhub/companionhub/adapter/prom"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/usecase"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/community"
	companionuc "github.com/companionhub/companionhub/usecase/companion"
	"github.com/companionhub/companionhub/usecase/decorator"
	"github.com/companionhub/companionhub/usecase/picture"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	roomuc "github.com/companionhub/companionhub/usecase/room"
	"github.com/companionhub/companionhub/usecase/stream"
	"github.com/companionhub/companionhub/usecase/usage"
	"github.com/companionhub/companionhub/usecase/voice"
)

// provideRooms builds the group-chat rooms' use cases over the companions' and the community's
// stores (which companions a person may bring is usecase/room's rule).
func provideRooms(cfg Config, store roomuc.Store, companions companionuc.Store, published community.Store, comm *community.App,
	talk roomuc.Talk, guard *ratelimit.Guard, clock usecase.Clock, obs []decorator.Observer) (*roomuc.App, error) {
	return roomuc.NewApp(roomuc.Deps{Store: store, Clock: clock, Guard: guard, Change: cfg.RateLimits.rules().Settings, Talk: talk,
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

// provideTalk is what the rooms' conversations use: the chat's store, bus, runner and limits.
func provideTalk(cfg Config, chat chatuc.Store, bus stream.Bus, runner Runner, steps *chatuc.Steps, pictures *picture.App,
	voices *voice.App, u *usage.App, business *prom.BusinessMetrics) roomuc.Talk {
	s := cfg.chatSettings()
	return roomuc.Talk{Store: chat, Bus: bus, Runner: runner, Fail: steps.Fail, ChatRule: s.ChatRule, StartLease: s.StartLease,
		Pictures: pictures, Voice: voices, Quota: quota(u, usage.QuotaTokens), Started: business.MessageSent}
}

// roomTurns hands the end of each room turn to the rooms' Advance, which says who speaks next. The
// steps that end turns are built before it (the runner that Advance starts turns with runs them), so
// it is filled in once Advance is built (provideRoomAdvance), in every process that runs turns.
type roomTurns struct {
	advance decorator.Handler[roomuc.Advance, struct{}]
}

func provideRoomTurns() *roomTurns { return &roomTurns{} }

func (r *roomTurns) goOn(ctx context.Context, roomID domain.ID) error {
	if r.advance == nil {
		return nil
	}
	_, err := r.advance.Handle(ctx, roomuc.Advance{RoomID: roomID})
	return err
}

// roomAdvance says that the rooms' Advance is built and hears the end of room turns.
type roomAdvance struct{}

func provideRoomAdvance(store roomuc.Store, talk roomuc.Talk, clock usecase.Clock, turns *roomTurns,
	obs []decorator.Observer) (roomAdvance, error) {
	a, err := roomuc.NewAdvance(roomuc.Deps{Store: store, Talk: talk, Clock: clock}, obs...)
	if err != nil {
		return roomAdvance{}, err
	}
	turns.advance = a
	return roomAdvance{}, nil
}
