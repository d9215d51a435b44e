package picture_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/test/fakes/observerfake"
	"github.com/companionhub/companionhub/usecase"
	"github.com/companionhub/companionhub/usecase/picture"
)

func TestNewAppWithoutGeneratorIsNotConfigured(t *testing.T) {
	t.Parallel()
	obs := &observerfake.Observer{}
	// The gallery's storage is there (its pictures stay viewable when the backend goes), but no
	// generator, and no companions to draw.
	app, err := picture.NewApp(picture.Deps{Images: &fakeImages{}, Blobs: mediafake.NewBlobs(), Media: &mediafake.Rows{},
		Gallery: &fakeGallery{}, Clock: clocktest.New(now)}, obs)
	require.NoError(t, err)
	in := picture.IllustrateReply{OwnerID: domain.NewID(now), CompanionID: domain.NewID(now), Profile: profile(t, companion.RatingGeneral)}

	img, err := app.IllustrateReply.Handle(context.Background(), in)
	require.ErrorIs(t, err, usecase.ErrNotConfigured)
	require.True(t, img.IsZero())
	_, err = app.Generate.Handle(context.Background(), picture.Generate{OwnerID: domain.NewID(now)})
	require.ErrorIs(t, err, usecase.ErrNotConfigured)
	require.False(t, app.Configured())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = app.IllustrateReply.Handle(ctx, in)
	require.ErrorIs(t, err, context.Canceled, "an ended turn hears that it ended")

	// A missing feature is not a failure to log or count on every turn.
	require.Zero(t, obs.Calls())
}

func TestNewAppObservesIllustrateReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, _, err := e.illustrate(t, profile(t, companion.RatingGeneral), companion.Scene{})
	require.NoError(t, err)
	cause := domain.Errorf(domain.KindUnavailable, "backend down")
	e.gen.err = cause
	_, _, err = e.illustrate(t, profile(t, companion.RatingGeneral), companion.Scene{})
	require.ErrorIs(t, err, cause)

	require.Equal(t, 2, e.obs.Calls())
	require.Equal(t, []string{"picture.illustrate_reply", "picture.illustrate_reply"}, e.obs.Names())
	require.NoError(t, e.obs.Errs()[0])
	require.ErrorIs(t, e.obs.Errs()[1], cause, "observers hear of the failure to log it once")
}

func TestNewAppWithGeneratorRequiresStorage(t *testing.T) {
	t.Parallel()
	full := func() picture.Deps {
		return picture.Deps{Generator: &fakeGenerator{}, Images: &fakeImages{}, Blobs: mediafake.NewBlobs(),
			Media: &mediafake.Rows{}, Gallery: &fakeGallery{}, Companions: fakeCompanions{}, Clock: clocktest.New(now)}
	}
	_, err := picture.NewApp(full())
	require.NoError(t, err)
	for name, drop := range map[string]func(*picture.Deps){
		"images":     func(d *picture.Deps) { d.Images = nil },
		"blobs":      func(d *picture.Deps) { d.Blobs = nil },
		"media":      func(d *picture.Deps) { d.Media = nil },
		"clock":      func(d *picture.Deps) { d.Clock = nil },
		"gallery":    func(d *picture.Deps) { d.Gallery = nil },
		"companions": func(d *picture.Deps) { d.Companions = nil },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := full()
			drop(&d)
			// Caught at start-up rather than as a nil dereference on the first picture.
			app, err := picture.NewApp(d)
			requireKind(t, err, domain.KindInternal)
			require.Nil(t, app)
		})
	}
}
