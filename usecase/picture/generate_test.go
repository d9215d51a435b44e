package picture_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	pictured "github.com/companionhub/companionhub/domain/picture"
	"github.com/companionhub/companionhub/usecase/picture"
)

func params() pictured.Params {
	return pictured.Params{Prompt: "a lighthouse at dusk", NegativePrompt: "fog", Width: 512, Height: 768, Steps: 20,
		CFGScale: 6.5, Seed: 7}
}

func TestGenerateValidatesEveryField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bad := pictured.Params{Prompt: " ", Width: 500, Height: 4096, Steps: 151, CFGScale: 0.5, Seed: -2}
	_, err := e.app.Generate.Handle(context.Background(), picture.Generate{OwnerID: domain.NewID(now), Params: bad})
	requireKind(t, err, domain.KindInvalid)
	var fields []string
	for _, v := range domain.Violations(err) {
		fields = append(fields, v.Field)
	}
	require.ElementsMatch(t, []string{"prompt", "width", "height", "steps", "cfg_scale", "seed"}, fields)
	require.Empty(t, e.gen.requests(), "nothing is rendered")
}

func TestGenerateRendersAndKeepsTheRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := domain.NewID(now)
	var heard []picture.Progress
	pic, err := e.app.Generate.Handle(context.Background(), picture.Generate{OwnerID: owner, Params: params(),
		Progress: func(p picture.Progress) { heard = append(heard, p) }})
	require.NoError(t, err)

	req := e.gen.requests()[0]
	require.Equal(t, "a lighthouse at dusk", req.Prompt, "without a companion the prompt is the person's")
	require.True(t, strings.HasPrefix(req.NegativePrompt, "nsfw"), "without a companion the safe terms apply")
	require.True(t, strings.HasSuffix(req.NegativePrompt, ", fog"), "the person's negative prompt follows")
	require.Equal(t, 512, req.Width)
	require.Equal(t, 768, req.Height)
	require.Equal(t, 20, req.Steps)
	require.InDelta(t, 6.5, req.CFGScale, 0)
	require.Equal(t, int64(7), req.Seed)
	require.Equal(t, owner, pic.OwnerID)
	require.True(t, pic.CompanionID.IsZero())
	require.True(t, pic.MessageID.IsZero())
	require.Equal(t, int64(42), pic.Params.Seed, "the seed the backend used is kept")
	require.Equal(t, []pictured.Picture{pic}, e.gallery.all())
}

func TestGenerateDrawsTheCompanion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := domain.NewID(now)
	c := companion.New(domain.NewID(now), owner, profile(t, companion.RatingMature), now)
	e.companions[c.ID()] = c

	pic, err := e.app.Generate.Handle(context.Background(), picture.Generate{OwnerID: owner, CompanionID: c.ID(), Params: params()})
	require.NoError(t, err)
	req := e.gen.requests()[0]
	require.Equal(t, c.Profile().LockedIdentity()+", a lighthouse at dusk", req.Prompt, "the identity lock comes first")
	require.NotContains(t, req.NegativePrompt, "nsfw", "the companion's rating decides")
	require.Equal(t, c.ID(), pic.CompanionID)

	// Another person's companion is not found, and nothing is drawn.
	_, err = e.app.Generate.Handle(context.Background(), picture.Generate{OwnerID: domain.NewID(now), CompanionID: c.ID(), Params: params()})
	require.ErrorIs(t, err, companion.ErrNotFound)
	require.Len(t, e.gen.requests(), 1)
}

// samplingGenerator is a backend that lists its samplers.
type samplingGenerator struct{ *fakeGenerator }

func (samplingGenerator) Samplers(context.Context) ([]string, error) {
	return []string{"Euler a", "DPM++ 2M"}, nil
}

func TestGenerateChecksTheSamplerAgainstTheBackend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	gen := samplingGenerator{e.gen}
	app, err := picture.NewApp(picture.Deps{Generator: gen, Images: e.images, Blobs: e.blobs, Media: e.media, Gallery: e.gallery,
		Companions: e.companions, Clock: clockAt()})
	require.NoError(t, err)

	p := params()
	p.Sampler = "Heun"
	_, err = app.Generate.Handle(context.Background(), picture.Generate{OwnerID: domain.NewID(now), Params: p})
	requireKind(t, err, domain.KindInvalid)
	require.Equal(t, "sampler", domain.Violations(err)[0].Field)
	require.Contains(t, domain.Violations(err)[0].Message, "DPM++ 2M", "the refusal says what there is")

	p.Sampler = "DPM++ 2M"
	_, err = app.Generate.Handle(context.Background(), picture.Generate{OwnerID: domain.NewID(now), Params: p})
	require.NoError(t, err)
	require.Equal(t, "DPM++ 2M", e.gen.requests()[0].Sampler)

	known, err := app.Samplers.Handle(context.Background(), picture.Samplers{})
	require.NoError(t, err)
	require.Equal(t, []string{"Euler a", "DPM++ 2M"}, known)
}

func TestGalleryDeleteTakesTheFilesWithIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := domain.NewID(now)
	pic, err := e.app.Generate.Handle(context.Background(), picture.Generate{OwnerID: owner, Params: params()})
	require.NoError(t, err)

	_, err = e.app.Delete.Handle(context.Background(), picture.Delete{OwnerID: domain.NewID(now), ID: pic.ID})
	require.ErrorIs(t, err, pictured.ErrNotFound, "another person's picture is not found")
	require.Equal(t, 2, e.blobs.Count())

	got, err := e.app.Delete.Handle(context.Background(), picture.Delete{OwnerID: owner, ID: pic.ID})
	require.NoError(t, err)
	require.Equal(t, pic.ID, got.ID)
	require.Zero(t, e.blobs.Count(), "the picture and its thumbnail are deleted")
	require.ElementsMatch(t, []string{pic.Image.Key.String(), pic.Thumb.Key.String()}, keys(e.media.Deleted()))
	_, err = e.app.Get.Handle(context.Background(), picture.Get{OwnerID: owner, ID: pic.ID})
	require.ErrorIs(t, err, pictured.ErrNotFound)
}

func TestGalleryListOfAnotherPersonsCompanionIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := domain.NewID(now)
	c := companion.New(domain.NewID(now), owner, profile(t, companion.RatingGeneral), now)
	e.companions[c.ID()] = c
	_, err := e.app.Generate.Handle(context.Background(), picture.Generate{OwnerID: owner, CompanionID: c.ID(), Params: params()})
	require.NoError(t, err)

	page, err := e.app.List.Handle(context.Background(), picture.List{OwnerID: owner, CompanionID: c.ID(), Page: domain.Page{Limit: 24}})
	require.NoError(t, err)
	require.Len(t, page.Pictures, 1)
	require.Equal(t, 1, page.Total)

	_, err = e.app.List.Handle(context.Background(), picture.List{OwnerID: domain.NewID(now), CompanionID: c.ID(), Page: domain.Page{Limit: 24}})
	require.ErrorIs(t, err, companion.ErrNotFound)
}
