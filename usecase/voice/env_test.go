package voice_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/test/fakes/observerfake"
	"github.com/companionhub/companionhub/usecase/voice"
)

// The voice use cases run here against small hand-written fakes of their ports: what is under
// test is what the use case does around the backend (the text it sends, what it stores and when it
// stores nothing), and each fake can be told to fail.

// fakeSynth records the requests it gets and answers with out or err.
type fakeSynth struct {
	mu   sync.Mutex
	reqs []voice.Request
	out  voice.Audio
	err  error
}

func (s *fakeSynth) Synthesize(_ context.Context, req voice.Request) (voice.Audio, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	return s.out, s.err
}

func (s *fakeSynth) requests() []voice.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]voice.Request(nil), s.reqs...)
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// An MP3 that starts with an ID3 tag, as most speech APIs send it.
var mp3 = []byte("ID3\x04\x00\x00\x00\x00\x00\x00 and then frames")

var aVoice = companion.Voice{Provider: "elevenlabs", VoiceID: "EXAVITQu4vr4xnSDxMaL", Enabled: true}

type env struct {
	synth *fakeSynth
	blobs *mediafake.Blobs
	media *mediafake.Rows
	obs   *observerfake.Observer
	app   *voice.App
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		synth: &fakeSynth{out: voice.Audio{Data: mp3, ContentType: media.MP3, Duration: 2 * time.Second}},
		blobs: mediafake.NewBlobs(),
		media: &mediafake.Rows{},
		obs:   &observerfake.Observer{},
	}
	app, err := voice.NewApp(voice.Deps{Synthesizer: e.synth, Blobs: e.blobs, Media: e.media, Clock: clocktest.New(now)}, e.obs)
	require.NoError(t, err)
	e.app = app
	return e
}

func (e *env) speak(t *testing.T, v companion.Voice, text string) (voice.SpeakReply, media.Key, error) {
	t.Helper()
	in := voice.SpeakReply{OwnerID: domain.NewID(now), CompanionID: domain.NewID(now), Voice: v, Text: text}
	spoken, err := e.app.SpeakReply.Handle(context.Background(), in)
	return in, spoken.Key, err
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}
