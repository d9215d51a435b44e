package chat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/correlation"
	"github.com/companionhub/companionhub/usecase/voice"
)

// SendVoiceNote sends a person's voice note (SPEC §3.4): heard by the voice feature's
// speech-to-text backend, sent as a message whose text is what was said and which keeps the
// recording to play, and answered like any message. A retry under the same IdempotencyKey with
// the same recording is answered with the first turn, without hearing it again. A voice note that
// is heard and then not sent keeps nothing of the recording.
type SendVoiceNote struct {
	OwnerID     domain.ID
	CompanionID domain.ID
	Audio       []byte
	Language    string // a hint for the transcription ("": detected)
	// Options, Unset and IdempotencyKey are a Send's.
	Options        chat.Options
	Unset          Unset
	IdempotencyKey string
}

type voiceNoteHandler struct {
	send       sendHandler
	transcribe Transcriber
	discard    NoteDiscarder
}

func (h voiceNoteHandler) Handle(ctx context.Context, in SendVoiceNote) (Sent, error) {
	if h.transcribe == nil {
		return Sent{}, usecase.ErrNotConfigured
	}
	sum := sha256.Sum256(in.Audio)
	send := Send{OwnerID: in.OwnerID, CompanionID: in.CompanionID, Options: in.Options, Unset: in.Unset,
		IdempotencyKey: in.IdempotencyKey,
		fingerprint:    sendFingerprint(in.CompanionID, "voice note "+hex.EncodeToString(sum[:]), in.Options, in.Unset)}
	d := h.send.d
	key := Idempotency{Key: in.IdempotencyKey, Fingerprint: send.fingerprint}
	if sent, ok, err := h.send.replay(ctx, d.Store, send, key, d.Clock.Now()); ok || err != nil {
		return sent, err
	}
	// Heard only for a companion that may be written to: nothing is spent on one that is another's,
	// unknown or in the trash.
	c, err := d.Store.Companions().Get(ctx, in.OwnerID, in.CompanionID)
	if err != nil {
		return Sent{}, err
	}
	if err := c.Writable(); err != nil {
		return Sent{}, err
	}
	// Nor on a person whose tokens for the day are spent: the message would be refused anyway.
	if err := quotaAllows(ctx, d, in.OwnerID); err != nil {
		return Sent{}, err
	}
	ctx = correlation.WithSubject(ctx, correlation.Subject{UserID: in.OwnerID.String(), CompanionID: in.CompanionID.String()})
	note, err := h.transcribe.Handle(ctx, voice.TranscribeNote{OwnerID: in.OwnerID, CompanionID: in.CompanionID,
		Data: in.Audio, Language: in.Language})
	if err != nil {
		return Sent{}, err
	}
	send.Text, send.audio = note.Text, note.Audio
	sent, stored, err := h.send.send(ctx, send)
	if !stored && sent.Message.AudioKey != note.Audio { // never the recording the answer's message keeps
		// Refused (a reply being written, a limit, the runner full…), or answered with the message
		// of a try heard at the same time: the recording is no message's, and a person told no
		// keeps nothing stored. Forgotten even when the request was cut short. A failure to forget
		// is the voice feature's to report (its use case's observers); the answer stays the send's.
		_, _ = h.discard.Handle(context.WithoutCancel(ctx), voice.DiscardNote{Audio: note.Audio})
	}
	return sent, err
}
