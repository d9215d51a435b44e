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
	pictured "github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/test/fakes/observerfake"
	"github.com/companionhub/companionhub/usecase/llm"
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

func (p *fakeImages) Process(_ context.Context, data []byte, fit int, _ ...mediauc.ProcessOption) (mediauc.ProcessedImage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	p.data = append(p.data, data)
	p.fits = append(p.fits, fit)
	return p.out, p.err
}

var now = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// fakeGallery keeps pictures in a map; Err answers every call when set.
type fakeGallery struct {
	mu   sync.Mutex
	pics map[domain.ID]pictured.Picture
	Err  error
}

func (g *fakeGallery) Create(_ context.Context, p pictured.Picture) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.Err != nil {
		return g.Err
	}
	if g.pics == nil {
		g.pics = map[domain.ID]pictured.Picture{}
	}
	g.pics[p.ID] = p
	return nil
}

func (g *fakeGallery) Get(_ context.Context, owner, id domain.ID) (pictured.Picture, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.pics[id]
	if !ok || p.OwnerID != owner {
		return pictured.Picture{}, pictured.ErrNotFound
	}
	return p, nil
}

func (g *fakeGallery) List(_ context.Context, f pictured.Filter, _ domain.Page) ([]pictured.Picture, domain.Cursor, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []pictured.Picture
	for _, p := range g.pics {
		if p.OwnerID == f.OwnerID && (f.CompanionID.IsZero() || p.CompanionID == f.CompanionID) {
			out = append(out, p)
		}
	}
	return out, domain.Cursor{}, nil
}

func (g *fakeGallery) Count(ctx context.Context, f pictured.Filter) (int, error) {
	l, _, err := g.List(ctx, f, domain.Page{})
	return len(l), err
}

func (g *fakeGallery) Delete(ctx context.Context, owner, id domain.ID) (pictured.Picture, error) {
	p, err := g.Get(ctx, owner, id)
	if err == nil {
		g.mu.Lock()
		delete(g.pics, id)
		g.mu.Unlock()
	}
	return p, err
}

func (g *fakeGallery) all() []pictured.Picture {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []pictured.Picture
	for _, p := range g.pics {
		out = append(out, p)
	}
	return out
}

// fakeCompanions holds companions by id, for one owner each.
type fakeCompanions map[domain.ID]*companion.Companion

func (f fakeCompanions) Get(_ context.Context, owner, id domain.ID) (*companion.Companion, error) {
	c, ok := f[id]
	if !ok || c.OwnerID() != owner {
		return nil, companion.ErrNotFound
	}
	return c, nil
}

// fakeModel answers every completion with answer (or err), and remembers the requests.
type fakeModel struct {
	mu     sync.Mutex
	answer string
	err    error
	reqs   []llm.Request
}

func (m *fakeModel) Stream(context.Context, llm.Request, func(string) error) (llm.Usage, error) {
	return llm.Usage{}, domain.Errorf(domain.KindInternal, "not streamed")
}

func (m *fakeModel) Complete(_ context.Context, req llm.Request) (string, llm.Usage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = append(m.reqs, req)
	return m.answer, llm.Usage{}, m.err
}

type env struct {
	gen        *fakeGenerator
	images     *fakeImages
	blobs      *mediafake.Blobs
	media      *mediafake.Rows
	gallery    *fakeGallery
	companions fakeCompanions
	model      *fakeModel
	obs        *observerfake.Observer
	app        *picture.App
}

// processed is what the fake image processor makes of any picture: deliberately not what the
// generator sent, so a test can tell which of the two was stored.
var processed = mediauc.ProcessedImage{Data: []byte("re-encoded webp bytes"), ContentType: media.WebP, Width: 640, Height: 935}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{
		gen:        &fakeGenerator{res: picture.Result{Data: []byte("raw png from the backend"), Format: media.PNG, Seed: 42}},
		images:     &fakeImages{out: processed},
		blobs:      mediafake.NewBlobs(),
		media:      &mediafake.Rows{},
		gallery:    &fakeGallery{},
		companions: fakeCompanions{},
		model:      &fakeModel{answer: `{"tags": "sitting on a bench, upper body, soft smile, autumn park, golden hour"}`},
		obs:        &observerfake.Observer{},
	}
	app, err := picture.NewApp(picture.Deps{Generator: e.gen, Backend: "fake", ImageModel: "fake-xl", Images: e.images,
		Blobs: e.blobs, Media: e.media, Gallery: e.gallery, Companions: e.companions, Clock: clocktest.New(now)}, e.obs)
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

func (e *env) illustrate(t *testing.T, p companion.Profile, s companion.Scene) (picture.IllustrateReply, pictured.Picture, error) {
	t.Helper()
	in := picture.IllustrateReply{OwnerID: domain.NewID(now), CompanionID: domain.NewID(now), MessageID: domain.NewID(now),
		Profile: p, Scene: s}
	pic, err := e.app.IllustrateReply.Handle(context.Background(), in)
	return in, pic, err
}

// withModel gives the use cases the fake model (the env has none by default: the template writes
// the prompt).
func (e *env) withModel(t *testing.T) {
	t.Helper()
	app, err := picture.NewApp(picture.Deps{Generator: e.gen, Model: e.model, Images: e.images, Blobs: e.blobs, Media: e.media,
		Gallery: e.gallery, Companions: e.companions, Clock: clocktest.New(now)}, e.obs)
	require.NoError(t, err)
	e.app = app
}

func requireKind(t *testing.T, err error, k domain.Kind) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.String(), domain.KindOf(err).String(), "%v", err)
}

func clockAt() *clocktest.Clock { return clocktest.New(now) }

func keys(ks []media.Key) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.String()
	}
	return out
}
