package voice_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/test/fakes/observerfake"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/voice"
)

func TestNewAppWithoutSynthesizerIsNotConfigured(t *testing.T) {
	t.Parallel()
	obs := &observerfake.Observer{}
	// No other dependency either: a hub without a speech backend need not wire storage for it.
	app, err := voice.NewApp(voice.Deps{}, obs)
	require.NoError(t, err)
	in := voice.SpeakReply{OwnerID: domain.NewID(now), CompanionID: domain.NewID(now), Voice: aVoice, Text: "Hello."}

	key, err := app.SpeakReply.Handle(context.Background(), in)
	require.ErrorIs(t, err, usecase.ErrNotConfigured)
	require.True(t, key.Key.IsZero())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = app.SpeakReply.Handle(ctx, in)
	require.ErrorIs(t, err, context.Canceled, "an ended turn hears that it ended")

	// A missing feature is not a failure to log or count on every turn.
	require.Zero(t, obs.Calls())
}

func TestNewAppObservesSpeakReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, _, err := e.speak(t, aVoice, "Hello.")
	require.NoError(t, err)
	_, _, err = e.speak(t, aVoice, "*nods*")
	require.ErrorIs(t, err, voice.ErrNothingToSay)

	require.Equal(t, 2, e.obs.Calls())
	require.Equal(t, []string{"voice.speak_reply", "voice.speak_reply"}, e.obs.Names())
	require.NoError(t, e.obs.Errs()[0])
	require.ErrorIs(t, e.obs.Errs()[1], voice.ErrNothingToSay, "observers hear of the failure to log it once")
}

func TestNewAppWithSynthesizerRequiresStorage(t *testing.T) {
	t.Parallel()
	full := func() voice.Deps {
		return voice.Deps{Synthesizer: &fakeSynth{}, Blobs: mediafake.NewBlobs(), Media: &mediafake.Rows{}, Clock: clocktest.New(now)}
	}
	_, err := voice.NewApp(full())
	require.NoError(t, err)
	for name, drop := range map[string]func(*voice.Deps){
		"blobs": func(d *voice.Deps) { d.Blobs = nil },
		"media": func(d *voice.Deps) { d.Media = nil },
		"clock": func(d *voice.Deps) { d.Clock = nil },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := full()
			drop(&d)
			// Caught at start-up rather than as a nil dereference on the first spoken reply.
			app, err := voice.NewApp(d)
			requireKind(t, err, domain.KindInternal)
			require.Nil(t, app)
		})
	}
}
