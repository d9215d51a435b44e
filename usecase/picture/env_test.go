package picture_test

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
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/picture"
)

// The picture use cases run here against small hand-written fakes of their ports: what is under
// test is what the use case does around the backend (the request it builds, what it stores and
// when it stores nothing), and each fake can be told to fail.

// fakeGenerator records the requests it gets and answers with res or err.
type fakeGenerator struct {
	mu   sync.Mutex
	reqs []picture.Request
	res  picture.Result
	err  error
}

func (g *fakeGenerator) Generate(_ context.Context, req picture.Request, _ func(picture.Progress)) (picture.Result, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reqs = append(g.reqs, req)
	return g.res, g.err
}

func (g *fakeGenerator) requests() []picture.Request {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]picture.Request(nil), g.reqs...)
}

// fakeImages answers Process with out or err, and remembers what it was given.
type fakeImages struct {
	mu    sync.Mutex
	out   mediauc.ProcessedImage
	err   error
	data  [][]byte
	fits  []int
	calls int
}

func (p *fakeImages) Process(_ context.Context, data []byte, fit int) (mediauc.ProcessedImage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	p.data = append(p.data, data)
	p.fits = append(p.fits, fit)
	return p.out, p.err
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

type env struct {
	gen    *fakeGenerator
	images *fakeImages
	blobs  *mediafake.Blobs
	media  *mediafake.Rows
	obs    *observerfake.Observer
	app    *picture.App
}

// processed is what the fake image processor makes of any picture: deliberately not what the
// generator sent, so a test can tell which of the two was stored.
var processed = mediauc.ProcessedImage{Data: []byte("re-encoded webp bytes"), ContentType: media.WebP, Width: 640, Height: 935}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		gen:    &fakeGenerator{res: picture.Result{Data: []byte("raw png from the backend"), Format: media.PNG, Seed: 42}},
		images: &fakeImages{out: processed},
		blobs:  mediafake.NewBlobs(),
		media:  &mediafake.Rows{},
		obs:    &observerfake.Observer{},
	}
	app, err := picture.NewApp(picture.Deps{Generator: e.gen, Images: e.images, Blobs: e.blobs, Media: e.media,
		Clock: clocktest.New(now)}, e.obs)
	require.NoError(t, err)
	e.app = app
	return e
}

// profile is a valid profile with a full appearance, so its locked identity is not trivial.
func profile(t *testing.T, rating companion.ContentRating) companion.Profile {
	t.Helper()
	p, err := companion.NewProfile(companion.ProfileSpec{
		Name: "Mira Vale", Age: 26, ContentRating: rating,
		Appearance: companion.Appearance{Style: companion.StyleAnime, Gender: companion.GenderFemale, Ethnicity: "Japanese",
			SkinTone: "pale", EyeColor: "violet", HairStyle: "long straight", HairColor: "silver", BodyType: "slim",
			Height: "tall", Tags: []string{"beauty mark"}},
		DefaultOutfit: []string{"navy cardigan"},
	})
	require.NoError(t, err)
	return p
}

func (e *env) illustrate(t *testing.T, p companion.Profile, s companion.Scene) (picture.IllustrateReply, media.Image, error) {
	t.Helper()
	in := picture.IllustrateReply{OwnerID: domain.NewID(now), CompanionID: domain.NewID(now), Profile: p, Scene: s}
	img, err := e.app.IllustrateReply.Handle(context.Background(), in)
	return in, img, err
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}
