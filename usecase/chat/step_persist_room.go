package chat

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

// saveInRoom is the persist step of a room turn, inside its transaction: the reply is saved in the
// room under the companion's name with its scene snapshot, the companion's scene in the room moves,
// and the turn records its reply — once (a retry after a commit finds the saved reply). The room is
// locked first, as every change of its conversation is.
func (s persistStep) saveInRoom(ctx context.Context, r Repos, t chat.Turn, in PersistInput) (chat.Message, error) {
	if err := r.Rooms().Lock(ctx, t.RoomID()); err != nil {
		return chat.Message{}, err
	}
	if m, err := r.Rooms().MessageByTurn(ctx, t.ID()); err == nil {
		return m, nil
	} else if !domain.IsKind(err, domain.KindNotFound) {
		return chat.Message{}, err
	}
	if t, err := r.Turns().Load(ctx, t.ID()); err != nil { // under the lock
		return chat.Message{}, err
	} else if t.Ended() {
		return chat.Message{}, chat.ErrTurnEnded
	}
	_, seat, c, err := s.seat(ctx, r, t)
	if err != nil {
		return chat.Message{}, err
	}
	u, err := r.Rooms().Message(ctx, t.RoomID(), t.UserMessageID())
	if err != nil {
		return chat.Message{}, err
	}
	text, err := r.Turns().Draft(ctx, t.ID())
	if err != nil {
		return chat.Message{}, err
	}
	scene := roomScene(seat, c)
	if !in.Analysis.Failed {
		scene = scene.Apply(in.Analysis.Update)
	}
	now := s.clock.Now()
	// The reply sorts after everything said in the room before it, whatever the clocks say.
	latest, err := r.Rooms().Recent(ctx, t.RoomID(), domain.Cursor{}, 1)
	if err != nil {
		return chat.Message{}, err
	}
	if len(latest) > 0 && !now.After(latest[0].CreatedAt) {
		now = latest[0].CreatedAt.Add(time.Microsecond)
	}
	saved := chat.Message{ID: domain.NewID(now), RoomID: t.RoomID(), CompanionID: c.ID(), Author: seat.Name,
		Role: chat.RoleAssistant, Text: text, ReplyTo: u.ID, TurnID: t.ID(), Selected: true, Scene: &scene, CreatedAt: now}
	if err := t.SaveReply(saved.ID, now); err != nil {
		return chat.Message{}, err
	}
	if err := r.Rooms().CreateMessage(ctx, saved, Idempotency{}); err != nil {
		return chat.Message{}, err
	}
	if err := r.Turns().ClearDraft(ctx, t.ID()); err != nil {
		return chat.Message{}, err
	}
	if err := r.Rooms().SetScene(ctx, t.RoomID(), c.ID(), scene); err != nil {
		return chat.Message{}, err
	}
	return saved, r.Turns().Update(ctx, t)
}
