package voice_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// hangingSynth speaks nothing until its context ends.
type hangingSynth struct{}

func (hangingSynth) Synthesize(ctx context.Context, _ voice.Request) (voice.Audio, error) {
	<-ctx.Done()
	return voice.Audio{}, domain.Errorf(domain.KindUnavailable, "speak: %w", ctx.Err())
}

// The speech settings' timeout bounds a synthesis, whatever the backend does.
func TestASynthesisIsBoundedByTheTimeout(t *testing.T) {
	t.Parallel()
	blobs, rows := mediafake.NewBlobs(), &mediafake.Rows{}
	app, err := voice.NewApp(voice.Deps{Synthesizer: hangingSynth{}, Blobs: blobs, Media: rows,
		Clock: clocktest.New(now), Timeout: 20 * time.Millisecond})
	require.NoError(t, err)
	_, err = app.SpeakReply.Handle(context.Background(), voice.SpeakReply{OwnerID: domain.NewID(now), CompanionID: domain.NewID(now),
		Voice: companion.Voice{Enabled: true, VoiceID: "alto"}, Text: "Hello there."})
	require.ErrorIs(t, err, voice.ErrSpeechTimeout)
	require.Zero(t, blobs.Count())
	require.Empty(t, rows.Created())
}
