package voice_test

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/clocktest"
	mediauc "github.com/companionhub/companionhub/usecase/media"
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

// fakeBlobs keeps blobs in a map. The methods the use case has no business calling are left to the
// embedded nil interface, so calling one panics and fails the test.
type fakeBlobs struct {
	mediauc.BlobStore
	mu      sync.Mutex
	blobs   map[string][]byte
	types   map[string]string
	deleted []string
}

func newFakeBlobs() *fakeBlobs {
	return &fakeBlobs{blobs: map[string][]byte{}, types: map[string]string{}}
}

func (b *fakeBlobs) Put(_ context.Context, key, contentType string, r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.blobs[key], b.types[key] = data, contentType
	return nil
}

func (b *fakeBlobs) Delete(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.blobs, key)
	b.deleted = append(b.deleted, key)
	return nil
}

func (b *fakeBlobs) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.blobs)
}

func (b *fakeBlobs) get(key string) ([]byte, string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	data, ok := b.blobs[key]
	return data, b.types[key], ok
}

// fakeMedia records created rows, or refuses them with err.
type fakeMedia struct {
	mediauc.Repository
	mu    sync.Mutex
	items []media.Item
	err   error
}

func (r *fakeMedia) Create(_ context.Context, it media.Item) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.items = append(r.items, it)
	return nil
}

func (r *fakeMedia) rows() []media.Item {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]media.Item(nil), r.items...)
}

// countingObserver counts the calls it hears about, by use case.
type countingObserver struct {
	calls atomic.Int64
	mu    sync.Mutex
	names []string
	errs  []error
}

func (o *countingObserver) Observe(_ context.Context, useCase string, _ time.Duration, err error) {
	o.calls.Add(1)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.names = append(o.names, useCase)
	o.errs = append(o.errs, err)
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// An MP3 that starts with an ID3 tag, as most speech APIs send it.
var mp3 = []byte("ID3\x04\x00\x00\x00\x00\x00\x00 and then frames")

var aVoice = companion.Voice{Provider: "elevenlabs", VoiceID: "EXAVITQu4vr4xnSDxMaL", Enabled: true}

type env struct {
	synth *fakeSynth
	blobs *fakeBlobs
	media *fakeMedia
	obs   *countingObserver
	app   *voice.App
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		synth: &fakeSynth{out: voice.Audio{Data: mp3, ContentType: media.MP3, Duration: 2 * time.Second}},
		blobs: newFakeBlobs(),
		media: &fakeMedia{},
		obs:   &countingObserver{},
	}
	app, err := voice.NewApp(voice.Deps{Synthesizer: e.synth, Blobs: e.blobs, Media: e.media, Clock: clocktest.New(now)}, e.obs)
	require.NoError(t, err)
	e.app = app
	return e
}

func (e *env) speak(t *testing.T, v companion.Voice, text string) (voice.SpeakReply, media.Key, error) {
	t.Helper()
	in := voice.SpeakReply{OwnerID: domain.NewID(now), CompanionID: domain.NewID(now), Voice: v, Text: text}
	key, err := e.app.SpeakReply.Handle(context.Background(), in)
	return in, key, err
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}
