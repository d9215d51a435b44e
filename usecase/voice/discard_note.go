package voice

import (
	"context"
	"fmt"

	"github.com/companionhub/companionhub/domain/media"
)

// DiscardNote forgets the recording TranscribeNote kept for a voice note that was then not sent —
// the send was refused, or answered with the message of an earlier try — so that a person told no
// keeps nothing stored. It is for a recording no message keeps, which only the sender knows: never
// one a message was stored with.
type DiscardNote struct {
	Audio media.Key
}

type discardNoteHandler struct{ d Deps }

func (h discardNoteHandler) Handle(ctx context.Context, in DiscardNote) (struct{}, error) {
	if in.Audio.IsZero() {
		return struct{}{}, nil
	}
	// The row first: a file no row names is an orphan, which cleanup-orphans removes should
	// deleting it here fail, while a row kept is what keeps its file from that sweep for ever.
	if err := h.d.Media.Delete(ctx, in.Audio); err != nil {
		return struct{}{}, fmt.Errorf("delete the row of recording %s: %w", in.Audio, err)
	}
	if err := h.d.Blobs.Delete(ctx, in.Audio.String()); err != nil {
		return struct{}{}, fmt.Errorf("delete recording %s (left to cleanup-orphans): %w", in.Audio, err)
	}
	return struct{}{}, nil
}
