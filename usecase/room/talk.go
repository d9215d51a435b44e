package room

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/stream"
)

// Talk is what a room's conversation uses: the chat's store (a room's messages and turns are the
// chat's), the stream bus (the room's stream, and each reply's), the runner of turns (a companion's
// reply in a room is a turn like any other, on either executor), and the chat's limits.
type Talk struct {
	Store  chatuc.Store
	Bus    stream.Bus
	Runner chatuc.Runner
	// ChatRule limits what a person says per minute, in rooms as in their own chats (the same
	// counter). A nil Deps.Guard allows everything.
	ChatRule ratelimit.Rule
	// StartLease is how long a new turn waits for a runner before it counts as lost.
	StartLease time.Duration
	// Pictures and Voice say whether the hub draws pictures and speaks (nil: it does not): an answer
	// in a room has a picture or is spoken as its companion's settings say (AutoImage, Voice), as in
	// its own chat. A picture counts against the daily picture quota of the person the answer works
	// for (the picture use case's rule), not against the hourly allowance of sends that ask for one.
	Pictures chatuc.Feature
	Voice    chatuc.Feature
	// Fail ends an answer its runner would not start (busy, unreachable), saying why on its stream
	// (chat.Steps.Fail; nil: it is left to the reapers, once its lease runs out).
	Fail func(ctx context.Context, turnID domain.ID, why error) error
	// Quota refuses a message once the person's daily token quota is used up (nil: no quotas).
	Quota func(ctx context.Context, owner domain.ID) error
	// Started hears of every message said in a room (the business metrics; nil: nobody), as "room".
	Started func(ctx context.Context, source string)
}

func (t Talk) ready() bool { return t.Store != nil && t.Bus != nil && t.Runner != nil }

// ErrTurnInProgress refuses to let a companion speak while another is answering in the room.
var ErrTurnInProgress = domain.E(domain.KindConflict, "turn_in_progress", "a companion is answering; wait for it")

// options are what an answer asks for: what its companion's settings say, as far as the hub can.
func (t Talk) options(s companion.Settings) chat.Options {
	return chat.Options{DeepThink: s.DeepThink, Image: s.AutoImage && configured(t.Pictures), Voice: s.Voice && configured(t.Voice)}
}

func configured(f chatuc.Feature) bool { return f != nil && f.Configured() }

// changed tells a room's followers that it changed (its people, companions, settings): they read it
// again, and those no longer in it stop hearing it at once. The change is made; a stream that cannot
// be told is not an error of it (followers also look again at every message).
func (d Deps) changed(ctx context.Context, roomID domain.ID) {
	if d.Talk.Bus != nil {
		_ = chatuc.PublishInRoom(context.WithoutCancel(ctx), d.Talk.Bus, roomID, chat.RoomChanged{})
	}
}
