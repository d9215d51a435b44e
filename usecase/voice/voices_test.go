package voice_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/ratelimit"
	"github.com/companionhub/companionhub/usecase/voice"
)

// listingSynth is a synthesizer that names its voices, and counts how often it was asked.
type listingSynth struct {
	fakeSynth
	mu     sync.Mutex
	voices []voice.Voice
	asked  int
	err    error
}

func (s *listingSynth) Voices(context.Context) ([]voice.Voice, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked++
	return s.voices, s.err
}

func (s *listingSynth) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked
}

// counting lets the first n requests of a key through.
type counting struct {
	mu   sync.Mutex
	n    int
	seen map[string]int
}

func (c *counting) Allow(_ context.Context, key string, _ ratelimit.Limit) (ratelimit.Decision, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[key]++
	if c.seen[key] > c.n {
		return ratelimit.Decision{RetryAfter: time.Minute}, nil
	}
	return ratelimit.Decision{Allowed: true}, nil
}

func voicesApp(t *testing.T, s voice.Synthesizer, clock *clocktest.Clock, allowed int) *voice.App {
	t.Helper()
	app, err := voice.NewApp(voice.Deps{Synthesizer: s, Blobs: mediafake.NewBlobs(), Media: &mediafake.Rows{}, Clock: clock,
		Guard:       ratelimit.NewGuard(&counting{n: allowed, seen: map[string]int{}}, nil),
		PreviewRule: ratelimit.Rule{Name: "voice_preview", Limit: ratelimit.Limit{Count: allowed, Period: time.Minute}, FailOpen: true}})
	require.NoError(t, err)
	return app
}

var named = []voice.Voice{
	{ID: "v-2", Name: "rachel", Gender: "female", Accent: "american"},
	{ID: "v-1", Name: "Adam", Gender: "male"},
}

func TestVoicesAreListedByNameAndKeptAWhile(t *testing.T) {
	t.Parallel()
	s := &listingSynth{voices: named}
	clock := clocktest.New(now)
	app := voicesApp(t, s, clock, 10)
	list, err := app.ListVoices.Handle(context.Background(), voice.ListVoices{})
	require.NoError(t, err)
	require.False(t, list.Open)
	require.Equal(t, []string{"Adam", "rachel"}, []string{list.Voices[0].Name, list.Voices[1].Name}, "by name, whatever the case")
	_, err = app.ListVoices.Handle(context.Background(), voice.ListVoices{})
	require.NoError(t, err)
	require.Equal(t, 1, s.calls(), "kept")
	clock.Advance(11 * time.Minute)
	_, err = app.ListVoices.Handle(context.Background(), voice.ListVoices{})
	require.NoError(t, err)
	require.Equal(t, 2, s.calls(), "asked again once it is old")
}

func TestAFailedListIsNotKept(t *testing.T) {
	t.Parallel()
	down := domain.E(domain.KindUnavailable, "tts_down", "down")
	s := &listingSynth{voices: named, err: down}
	app := voicesApp(t, s, clocktest.New(now), 10)
	_, err := app.ListVoices.Handle(context.Background(), voice.ListVoices{})
	require.ErrorIs(t, err, down)
	s.mu.Lock()
	s.err = nil
	s.mu.Unlock()
	list, err := app.ListVoices.Handle(context.Background(), voice.ListVoices{})
	require.NoError(t, err)
	require.Len(t, list.Voices, 2)
}

func TestABackendThatNamesNoVoicesIsOpen(t *testing.T) {
	t.Parallel()
	s := &fakeSynth{out: voice.Audio{Data: mp3, ContentType: media.MP3}}
	app := voicesApp(t, s, clocktest.New(now), 10)
	list, err := app.ListVoices.Handle(context.Background(), voice.ListVoices{})
	require.NoError(t, err)
	require.True(t, list.Open)
	require.Empty(t, list.Voices)
	a, err := app.PreviewVoice.Handle(context.Background(), voice.PreviewVoice{VoiceID: "anything", ClientIP: "192.0.2.1"})
	require.NoError(t, err, "any id, for a backend that names none")
	require.Equal(t, mp3, a.Data)
}

func TestPreviewSpeaksASampleInAKnownVoice(t *testing.T) {
	t.Parallel()
	s := &listingSynth{voices: named}
	s.out = voice.Audio{Data: mp3, ContentType: media.MP3, Duration: time.Second}
	app := voicesApp(t, s, clocktest.New(now), 2)
	ctx := context.Background()

	a, err := app.PreviewVoice.Handle(ctx, voice.PreviewVoice{VoiceID: "v-1", ClientIP: "192.0.2.1"})
	require.NoError(t, err)
	require.Equal(t, media.MP3, a.ContentType)
	req := s.requests()[0]
	require.Equal(t, "v-1", req.VoiceID)
	require.NotEmpty(t, req.Text, "a sentence of the hub's")
	_, err = app.PreviewVoice.Handle(ctx, voice.PreviewVoice{VoiceID: "v-2", Text: "I *wave* Hello there", ClientIP: "192.0.2.1"})
	require.NoError(t, err)
	require.Equal(t, "I Hello there", s.requests()[1].Text, "the person's text, without stage directions")

	_, err = app.PreviewVoice.Handle(ctx, voice.PreviewVoice{VoiceID: "v-1", ClientIP: "192.0.2.1"})
	requireKind(t, err, domain.KindRateLimited)
	_, err = app.PreviewVoice.Handle(ctx, voice.PreviewVoice{VoiceID: "v-1", ClientIP: "192.0.2.2"})
	require.NoError(t, err, "per client address")

	_, err = app.PreviewVoice.Handle(ctx, voice.PreviewVoice{VoiceID: "v-9", ClientIP: "192.0.2.3"})
	require.ErrorIs(t, err, voice.ErrUnknownVoice)
	for _, in := range []voice.PreviewVoice{{VoiceID: " "}, {VoiceID: "v-1", Text: strings.Repeat("a", voice.MaxPreviewText+1)}} {
		_, err = app.PreviewVoice.Handle(ctx, in)
		requireKind(t, err, domain.KindInvalid)
	}
	require.Len(t, s.requests(), 3, "refused previews reach no backend")
}

func TestPreviewRefusesAudioItCannotPlay(t *testing.T) {
	t.Parallel()
	s := &listingSynth{voices: named}
	s.out = voice.Audio{Data: []byte("<html>not audio</html>"), ContentType: media.MP3}
	app := voicesApp(t, s, clocktest.New(now), 10)
	_, err := app.PreviewVoice.Handle(context.Background(), voice.PreviewVoice{VoiceID: "v-1", ClientIP: "192.0.2.1"})
	require.ErrorIs(t, err, voice.ErrUnusableAudio)
}

func TestVoicesWithoutABackendAreNotConfigured(t *testing.T) {
	t.Parallel()
	app, err := voice.NewApp(voice.Deps{})
	require.NoError(t, err)
	_, err = app.ListVoices.Handle(context.Background(), voice.ListVoices{})
	require.True(t, errors.Is(err, usecase.ErrNotConfigured))
	_, err = app.PreviewVoice.Handle(context.Background(), voice.PreviewVoice{VoiceID: "v"})
	require.True(t, errors.Is(err, usecase.ErrNotConfigured))
}

func TestCheckVoiceRefusesOnlyAVoiceTheListLacks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := &listingSynth{voices: named}
	app := voicesApp(t, s, clocktest.New(now), 10)
	require.NoError(t, app.CheckVoice(ctx, "v-1"))
	require.ErrorIs(t, app.CheckVoice(ctx, "v-9"), voice.ErrUnknownVoice)

	down := &listingSynth{err: domain.E(domain.KindUnavailable, "tts_down", "down")}
	require.NoError(t, voicesApp(t, down, clocktest.New(now), 10).CheckVoice(ctx, "v-9"), "a backend that cannot tell refuses nothing")
	open := &fakeSynth{}
	require.NoError(t, voicesApp(t, open, clocktest.New(now), 10).CheckVoice(ctx, "anything"), "nor one that names no voices")
	none, err := voice.NewApp(voice.Deps{})
	require.NoError(t, err)
	require.NoError(t, none.CheckVoice(ctx, "anything"), "nor a hub without speech")
}
