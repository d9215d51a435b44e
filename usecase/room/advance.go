package room

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/room"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
	"github.com/companionhub/companionhub/usecase/decorator"
)

// How far back turn-taking looks: a round is at most room.MaxReplies+room.MaxAutoRounds replies, and
// who spoke last before it is told by the messages before it.
const (
	roundMessages = 50
	roundTurns    = 30
)

// ErrNothingToAnswer refuses to let a companion speak in a room where nothing was said yet.
var ErrNothingToAnswer = domain.E(domain.KindConflict, "nothing_to_answer", "nobody has said anything in the room yet")

// Advance starts a room's next reply, if one is due: the room's turn-taking decides who speaks
// (room.Next) once nobody is answering. Every executor's last step of a room turn calls it (through
// chat.StepsDeps.RoomGoesOn: when an answer is saved, and when it ends), as does every message said in a room; it is safe to call again —
// under the room's lock, a reply under way or a round that is over starts nothing.
type Advance struct {
	RoomID domain.ID
}

// NewAdvance builds Advance alone over d's Store, Talk and Clock: what a process that runs turns but
// serves no rooms (a worker) needs to carry their conversations on.
func NewAdvance(d Deps, obs ...decorator.Observer) (decorator.Handler[Advance, struct{}], error) {
	if d.Store == nil || !d.Talk.ready() || d.Clock == nil {
		return nil, domain.Errorf(domain.KindInternal, "room advance deps: Store, Talk and Clock are required")
	}
	if d.Talk.StartLease <= 0 {
		d.Talk.StartLease = chatuc.DefaultSettings().StartLease
	}
	return decorator.Decorate("room.advance", advanceHandler{advancer{d}}, obs...), nil
}

type advanceHandler struct{ a advancer }

func (h advanceHandler) Handle(ctx context.Context, in Advance) (struct{}, error) {
	_, _, err := h.a.next(ctx, in.RoomID, domain.ID{}, domain.ID{})
	if errors.Is(err, ErrNotFound) {
		return struct{}{}, nil // a room deleted meanwhile: nobody is left to answer
	}
	return struct{}{}, err
}

type advancer struct{ d Deps }

// next starts the room's next reply: companion force's, for the person by (a person let it speak),
// or, when force is zero, whoever turn-taking names. started is false when nobody is to speak (or a
// reply is under way, when force is zero).
func (a advancer) next(ctx context.Context, roomID, force, by domain.ID) (turn chat.Turn, started bool, err error) {
	t := a.d.Talk
	var speaker chatuc.RoomSeat
	err = t.Store.InTx(ctx, func(r chatuc.Repos) error {
		if err := r.Rooms().Lock(ctx, roomID); err != nil {
			return err
		}
		cast, err := r.Rooms().Cast(ctx, roomID)
		if err != nil {
			return err
		}
		turns, err := r.Rooms().Turns(ctx, roomID, roundTurns)
		if err != nil {
			return err
		}
		for _, t := range turns {
			if !t.Ended() && t.ReplyID().IsZero() { // one whose reply is saved is making its picture or voice
				if !force.IsZero() {
					return ErrTurnInProgress
				}
				return nil // its end asks again
			}
		}
		recent, err := r.Rooms().Recent(ctx, roomID, domain.Cursor{}, roundMessages)
		if err != nil {
			return err
		}
		owner := by
		if force.IsZero() {
			var ok bool
			if force, owner, ok = a.decide(ctx, r, cast, recent, turns); !ok {
				return nil
			}
		} else if len(recent) == 0 {
			return ErrNothingToAnswer
		}
		seat, ok := cast.Seat(force)
		if !ok {
			return ErrCompanionNotInRoom
		}
		c, err := r.Companions().Get(ctx, seat.OwnerID, seat.CompanionID)
		if err != nil {
			return err
		}
		now := a.d.Clock.Now()
		turn, err = chat.NewRoomTurn(domain.NewID(now), owner, roomID, seat.CompanionID, recent[0].ID, t.options(c.Settings()), now,
			t.StartLease)
		if err != nil {
			return err
		}
		speaker, started = seat, true
		return r.Turns().Create(ctx, turn, chatuc.Idempotency{})
	})
	if err != nil || !started {
		return chat.Turn{}, false, err
	}
	// Announced before it starts, so that the room hears who answers before the answer. A turn its
	// runner refuses fails at once (its stream says why; its end asks the room to go on), so the
	// room is not held up; without Fail it is left to the reapers, once its lease runs out.
	announced := chatuc.PublishInRoom(ctx, t.Bus, roomID, chat.Speaker{TurnID: turn.ID(), CompanionID: speaker.CompanionID,
		Name: speaker.Name, ReplyTo: turn.UserMessageID()})
	ran := t.Runner.Start(ctx, chatuc.TurnInput{TurnID: turn.ID(), OwnerID: turn.OwnerID(), CompanionID: turn.CompanionID(),
		Options: turn.Options()})
	if ran != nil && t.Fail != nil {
		ran = t.Fail(context.WithoutCancel(ctx), turn.ID(), ran)
	}
	return turn, true, errors.Join(announced, ran)
}

// decide is who speaks next in the round the newest person's message opened, and for whom (that
// person): false when nobody does.
func (a advancer) decide(ctx context.Context, r chatuc.Repos, cast chatuc.RoomCast, recent []chat.Message,
	turns []chat.Turn) (speaker, owner domain.ID, ok bool) {
	open := -1
	for i, m := range recent {
		if m.Role == chat.RoleUser && !m.AuthorID.IsZero() {
			open = i
			break
		}
	}
	if open < 0 || !inCast(cast, recent[open].AuthorID) {
		return domain.ID{}, domain.ID{}, false // nobody spoke, or whoever opened the round has left the room
	}
	inRound := make(map[domain.ID]bool, open+1)
	for _, m := range recent[:open+1] {
		inRound[m.ID] = true
	}
	round := room.Round{Prompt: recent[open].Text, Last: recent[0].Text}
	if recent[0].Role == chat.RoleAssistant {
		round.LastBy = recent[0].CompanionID
	}
	for i := len(turns) - 1; i >= 0; i-- { // oldest first
		if t := turns[i]; inRound[t.UserMessageID()] {
			round.Replies = append(round.Replies, t.CompanionID())
			round.Stopped = round.Stopped || t.Status() == chat.StatusCancelled
		}
	}
	heard := map[domain.ID]bool{}
	for _, m := range recent[open+1:] {
		if m.Role == chat.RoleAssistant && !m.CompanionID.IsZero() && !heard[m.CompanionID] {
			heard[m.CompanionID] = true
			round.Silence = append(round.Silence, m.CompanionID)
		}
	}
	speakers := make([]room.Speaker, 0, len(cast.Seats))
	for _, s := range cast.Seats {
		sp := room.Speaker{ID: s.CompanionID, Name: s.Name, Talkativeness: 0.5}
		if c, err := r.Companions().Get(ctx, s.OwnerID, s.CompanionID); err == nil {
			sp.Talkativeness = talkativeness(c)
		}
		speakers = append(speakers, sp)
	}
	id, ok := room.Next(cast.Room.Settings, speakers, round)
	return id, recent[open].AuthorID, ok
}

// talkativeness is how readily a companion joins in: its card's talkativeness (SillyTavern's
// extension, "0.5" or 0.5), else 0.5.
func talkativeness(c *companion.Companion) float64 {
	var ext struct {
		Talkativeness json.RawMessage `json:"talkativeness"`
	}
	raw := c.Profile().Spec().Card.Extensions
	if len(raw) == 0 || json.Unmarshal(raw, &ext) != nil || len(ext.Talkativeness) == 0 {
		return 0.5
	}
	s := string(ext.Talkativeness)
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 1 {
		return 0.5
	}
	return v
}
