package chat

import (
	"context"
	"time"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
)

type persistStep struct {
	turns
	// roomGoesOn hears of every room answer saved (nil: nobody): the next one may begin while this
	// one's picture and voice are made.
	roomGoesOn func(context.Context, domain.ID) error
}

// run saves the reply exactly once (SPEC §3.3 step 4): the assistant message (the turn's draft)
// with its scene snapshot, the companion's new scene and the turn's reply, in one transaction. A
// retry after a commit finds the saved reply and returns it.
func (s persistStep) run(ctx context.Context, in PersistInput) (PersistOutput, error) {
	var saved chat.Message
	err := s.store.InTx(ctx, func(r Repos) error {
		if t, err := r.Turns().Load(ctx, in.TurnID); err != nil {
			return err
		} else if !t.RoomID().IsZero() {
			var err error
			saved, err = s.saveInRoom(ctx, r, t, in)
			return err
		}
		if m, err := r.Messages().ByTurn(ctx, in.TurnID); err == nil {
			saved = m
			return nil
		} else if !domain.IsKind(err, domain.KindNotFound) {
			return err
		}
		t, err := r.Turns().Load(ctx, in.TurnID)
		if err != nil {
			return err
		}
		if t.Ended() {
			return chat.ErrTurnEnded
		}
		c, err := r.Companions().GetForUpdate(ctx, t.OwnerID(), t.CompanionID())
		if err != nil {
			return err
		}
		u, err := r.Messages().Get(ctx, t.OwnerID(), t.UserMessageID())
		if err != nil {
			return err
		}
		text, err := r.Turns().Draft(ctx, t.ID())
		if err != nil {
			return err
		}
		scene, err := startingScene(ctx, r, t, c, u)
		if err != nil {
			return err
		}
		if !in.Analysis.Failed {
			scene = scene.Apply(in.Analysis.Update)
		}
		now := s.clock.Now()
		if !now.After(u.CreatedAt) { // the reply sorts after what it answers, whatever the clocks say
			now = u.CreatedAt.Add(time.Microsecond)
		}
		saved = chat.Message{ID: domain.NewID(now), CompanionID: c.ID(), Role: chat.RoleAssistant,
			Text: text, ReplyTo: u.ID, TurnID: t.ID(), Selected: true, Scene: &scene, CreatedAt: now}
		if err := t.SaveReply(saved.ID, now); err != nil {
			return err
		}
		if err := r.Messages().Create(ctx, saved); err != nil {
			return err
		}
		if err := r.Messages().Select(ctx, u.ID, saved.ID); err != nil {
			return err
		}
		if err := r.Turns().ClearDraft(ctx, t.ID()); err != nil { // saved: the draft has served
			return err
		}
		c.SetScene(scene, now)
		if err := r.Companions().Update(ctx, c); err != nil {
			return err
		}
		return r.Turns().Update(ctx, t)
	})
	if err != nil {
		return PersistOutput{}, err
	}
	if saved.Scene != nil {
		if err := s.publish(ctx, in.TurnID, 0, chat.StateChange{MessageID: saved.ID, Scene: *saved.Scene}); err != nil {
			return PersistOutput{}, err
		}
	}
	if !saved.RoomID.IsZero() { // everyone in the room hears the reply, followers of its turn or not
		if err := PublishInRoom(ctx, s.bus, saved.RoomID, chat.RoomMessage{Message: saved}); err != nil {
			return PersistOutput{}, err
		}
		if s.roomGoesOn != nil {
			// The room goes on now; if it cannot, the finish step asks again when the turn ends.
			_ = s.roomGoesOn(ctx, saved.RoomID)
		}
	}
	return PersistOutput{MessageID: saved.ID}, nil
}
