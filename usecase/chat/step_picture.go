package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	pictureuc "github.com/companionhub/companionhub/usecase/picture"
)

type pictureStep struct {
	turns
	illustrate Illustrator
}

// Progress of a turn while its picture renders: from imagingFrom, rising with the render's own
// progress where the backend reports it, up to below the next step's.
const (
	imagingFrom  = 70
	imagingSteps = 9
)

// run has the picture feature draw the scene of the reply and attaches the picture (SPEC §3.3
// step 6); a failure leaves the reply as it is and says so on the stream.
func (s pictureStep) run(ctx context.Context, in SideInput) (Empty, error) {
	ex, err := s.exchange(ctx, in.TurnID, in.MessageID)
	if err != nil {
		return Empty{}, err
	}
	ctx = forTurn(ctx, ex.turn)
	if err := s.advance(ctx, in.TurnID, chat.StatusImaging, imagingFrom); err != nil {
		return Empty{}, err
	}
	scene := ex.comp.Scene()
	if ex.reply.Scene != nil {
		scene = *ex.reply.Scene
	}
	told := imagingFrom
	galleryMessage := in.MessageID
	if !ex.turn.RoomID().IsZero() {
		galleryMessage = domain.ID{} // a room's message is not a chat's: the gallery names none
	}
	pic, err := s.illustrate.Handle(ctx, pictureuc.IllustrateReply{OwnerID: ex.turn.OwnerID(),
		CompanionID: ex.turn.CompanionID(), MessageID: galleryMessage, Profile: ex.comp.Profile(),
		Header: ex.comp.Header(), Scene: scene,
		Progress: func(p pictureuc.Progress) {
			// Told when the percentage moves: a render of 30 steps costs the turn at most
			// imagingSteps writes, not 30.
			if pct := imagingFrom + imagingSteps*p.Done/max(p.Total, 1); pct > told {
				told = pct
				_ = s.advance(ctx, in.TurnID, chat.StatusImaging, pct)
			}
		}})
	if err == nil {
		err = s.attachImage(ctx, ex.turn, in.MessageID, pic.ID, pic.Image)
	}
	if err != nil {
		return Empty{}, s.sideFailed(ctx, StepPicture, in.TurnID, err, "the picture could not be made",
			func(f *chat.Failure) chat.Payload { return chat.Picture{MessageID: in.MessageID, Failure: f} })
	}
	return Empty{}, s.publish(ctx, in.TurnID, 0, chat.Picture{MessageID: in.MessageID, PictureID: pic.ID, Image: pic.Image})
}
