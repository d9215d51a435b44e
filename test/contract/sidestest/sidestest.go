// Package sidestest is the conformance suite of the chat pipeline's side ports — memory recall and
// extraction, pictures, voice (usecase/chat). Whatever an adapter does, the pipeline relies on this:
// it answers within the limits it was given, says ErrNotConfigured when it has no provider (the
// step is then skipped), and stops when its context does.
package sidestest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/chat"
	chatuc "github.com/companionhub/companionhub/usecase/chat"
)

// Ports are the adapters under test; nil ones are skipped.
type Ports struct {
	Recaller  chatuc.Recaller
	Extractor chatuc.MemoryExtractor
	Pictures  chatuc.PictureMaker
	Voices    chatuc.VoiceMaker
}

func exchange() chatuc.Exchange {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	c := domain.NewID(at)
	u := chat.Message{ID: domain.NewID(at), CompanionID: c, Role: chat.RoleUser, Text: "Hi there", Selected: true, CreatedAt: at}
	r := chat.Message{ID: domain.NewID(at), CompanionID: c, Role: chat.RoleAssistant, Text: "Hello!", ReplyTo: u.ID,
		Selected: true, CreatedAt: at.Add(time.Second)}
	return chatuc.Exchange{OwnerID: domain.NewID(at), CompanionID: c, UserMessage: u, Reply: r}
}

// okOrNotConfigured accepts success or ErrNotConfigured, nothing else.
func okOrNotConfigured(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		require.ErrorIs(t, err, chatuc.ErrNotConfigured)
	}
}

// Run runs the suite.
func Run(t *testing.T, p Ports) {
	t.Helper()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ex := exchange()
	if p.Recaller != nil {
		t.Run("RecallWithinLimit", func(t *testing.T) {
			mems, err := p.Recaller.Recall(context.Background(), ex.CompanionID, "what do you remember?", 3)
			okOrNotConfigured(t, err)
			require.LessOrEqual(t, len(mems), 3)
			for _, m := range mems {
				require.NotEmpty(t, m)
			}
		})
		t.Run("RecallStopsWithItsContext", func(t *testing.T) {
			_, err := p.Recaller.Recall(cancelled, ex.CompanionID, "x", 3)
			require.True(t, errors.Is(err, context.Canceled) || domain.KindOf(err).Retryable(), "got %v", err)
		})
	}
	if p.Extractor != nil {
		t.Run("ExtractClampedDeltas", func(t *testing.T) {
			res, err := p.Extractor.Extract(context.Background(), ex)
			okOrNotConfigured(t, err)
			require.LessOrEqual(t, max(res.AffectionDelta, -res.AffectionDelta), 10, "deltas are small numbers (the step clamps them further)")
			require.LessOrEqual(t, max(res.TrustDelta, -res.TrustDelta), 10)
		})
		t.Run("ExtractStopsWithItsContext", func(t *testing.T) {
			_, err := p.Extractor.Extract(cancelled, ex)
			require.Error(t, err)
		})
	}
	if p.Pictures != nil {
		t.Run("PictureIsStoredOrNotConfigured", func(t *testing.T) {
			img, err := p.Pictures.Picture(context.Background(), ex, chatuc.FailedAnalysis(), "1girl, 24 years old")
			okOrNotConfigured(t, err)
			if err == nil {
				require.False(t, img.IsZero())
				require.True(t, img.ContentType.IsImage())
				require.Positive(t, img.Width)
				require.Positive(t, img.Height)
			}
		})
		t.Run("PictureStopsWithItsContext", func(t *testing.T) {
			_, err := p.Pictures.Picture(cancelled, ex, chatuc.FailedAnalysis(), "")
			require.Error(t, err)
		})
	}
	if p.Voices != nil {
		t.Run("VoiceIsStoredOrNotConfigured", func(t *testing.T) {
			key, err := p.Voices.Speak(context.Background(), ex, "voice-1")
			okOrNotConfigured(t, err)
			if err == nil {
				require.False(t, key.IsZero())
			}
		})
		t.Run("VoiceStopsWithItsContext", func(t *testing.T) {
			_, err := p.Voices.Speak(cancelled, ex, "voice-1")
			require.Error(t, err)
		})
	}
}
