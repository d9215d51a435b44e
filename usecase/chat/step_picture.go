package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/picture"
)

type pictureStep struct {
	turns
	illustrate Illustrator
}

// run has the picture feature draw the scene of the reply and attaches the picture (SPEC §3.3
// step 6); a failure leaves the reply as it is and says so on the stream.
func (s pictureStep) run(ctx context.Context, in SideInput) (Empty, error) {
	ex, err := s.exchange(ctx, in.TurnID, in.MessageID)
	if err != nil {
		return Empty{}, err
	}
	if err := s.advance(ctx, in.TurnID, chat.StatusImaging, 70); err != nil {
		return Empty{}, err
	}
	scene := ex.comp.Scene()
	if ex.reply.Scene != nil {
		scene = *ex.reply.Scene
	}
	img, err := s.illustrate.Handle(ctx, picture.IllustrateReply{OwnerID: ex.turn.OwnerID(),
		CompanionID: ex.turn.CompanionID(), Profile: ex.comp.Profile(), Scene: scene})
	if err == nil {
		err = s.store.Messages().SetImage(ctx, in.MessageID, domain.ID{}, img)
	}
	if err != nil {
		return Empty{}, s.sideFailed(ctx, StepPicture, in.TurnID, err, "the picture could not be made",
			func(f *chat.Failure) chat.Payload { return chat.Picture{MessageID: in.MessageID, Failure: f} })
	}
	return Empty{}, s.publish(ctx, in.TurnID, 0, chat.Picture{MessageID: in.MessageID, Image: img})
}
