package chat

import (
	"context"

	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase/voice"
)

type speakStep struct {
	turns
	speak Speaker
}

// run has the voice feature speak the reply and attaches the audio (SPEC §3.3 step 7); a failure
// leaves the reply as it is and says so on the stream.
func (s speakStep) run(ctx context.Context, in SideInput) (Empty, error) {
	ex, err := s.exchange(ctx, in.TurnID, in.MessageID)
	if err != nil {
		return Empty{}, err
	}
	ctx = forTurn(ctx, ex.turn)
	if err := s.advance(ctx, in.TurnID, chat.StatusSpeaking, 80); err != nil {
		return Empty{}, err
	}
	spoken, err := s.speak.Handle(ctx, voice.SpeakReply{OwnerID: ex.turn.OwnerID(), CompanionID: ex.turn.CompanionID(),
		Voice: ex.comp.Profile().Spec().Voice, Text: ex.reply.Text})
	if err == nil {
		err = s.attachAudio(ctx, ex.turn, in.MessageID, spoken.Key)
	}
	if err != nil {
		return Empty{}, s.sideFailed(ctx, StepSpeak, in.TurnID, err, "the voice could not be made",
			func(f *chat.Failure) chat.Payload { return chat.Voice{MessageID: in.MessageID, Failure: f} })
	}
	return Empty{}, s.publish(ctx, in.TurnID, 0, chat.Voice{MessageID: in.MessageID, Audio: spoken.Key,
		ContentType: spoken.ContentType, Duration: spoken.Duration})
}
