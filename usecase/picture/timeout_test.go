package picture_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/test/clocktest"
	"github.com/companionhub/companionhub/test/fakes/mediafake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// hangingGenerator renders nothing until its context ends.
type hangingGenerator struct{}

func (hangingGenerator) Generate(ctx context.Context, _ picture.Request, _ func(picture.Progress)) (picture.Result, error) {
	<-ctx.Done()
	return picture.Result{}, domain.Errorf(domain.KindUnavailable, "render: %w", ctx.Err())
}

// The image settings' timeout bounds a render, whatever the backend does; nothing is stored.
func TestARenderIsBoundedByTheTimeout(t *testing.T) {
	t.Parallel()
	blobs, rows := mediafake.NewBlobs(), &mediafake.Rows{}
	app, err := picture.NewApp(picture.Deps{Generator: hangingGenerator{}, Images: &fakeImages{out: processed}, Blobs: blobs,
		Media: rows, Gallery: &fakeGallery{}, Companions: fakeCompanions{}, Clock: clocktest.New(now), Timeout: 20 * time.Millisecond})
	require.NoError(t, err)
	_, err = app.IllustrateReply.Handle(context.Background(), picture.IllustrateReply{OwnerID: domain.NewID(now),
		CompanionID: domain.NewID(now), Profile: profile(t, companion.RatingGeneral)})
	require.ErrorIs(t, err, picture.ErrRenderTimeout)
	require.Zero(t, blobs.Count())
	require.Empty(t, rows.Created())
}
