package picture_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/companion"
	"github.com/companionhub/companionhub/domain/media"
	pictured "github.com/companionhub/companionhub/domain/picture"
	mediauc "github.com/companionhub/companionhub/usecase/media"
	"github.com/companionhub/companionhub/usecase/picture"
)

func TestIllustrateReplyPromptDrawsTheSceneOnTheLockedIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := profile(t, companion.RatingGeneral)
	scene := companion.Scene{Outfit: []string{"red scarf", "black coat"}, Action: "reading a book",
		Mood: companion.MoodHappy, Location: "the library"}

	_, _, err := e.illustrate(t, p, scene)
	require.NoError(t, err)

	reqs := e.gen.requests()
	require.Len(t, reqs, 1)
	prompt := reqs[0].Prompt
	// The identity comes first so that the person never drifts from picture to picture.
	require.True(t, strings.HasPrefix(prompt, p.LockedIdentity()+", "), "prompt %q does not start with %q", prompt, p.LockedIdentity())
	require.NotContains(t, prompt, "navy cardigan", "the default outfit is not the scene's")
	parts := []string{"wearing red scarf, black coat", "reading a book", "happy expression", "in the library"}
	last := len(p.LockedIdentity())
	for _, part := range parts {
		i := strings.Index(prompt, part)
		require.GreaterOrEqual(t, i, 0, "prompt %q lacks %q", prompt, part)
		require.Greater(t, i, last, "%q is out of order in %q", part, prompt)
		last = i
	}
	require.NotContains(t, prompt, "the the", "a location that starts with its article gets it once")
}

func TestIllustrateReplyPromptLeavesOutWhatTheSceneDoesNotSay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := profile(t, companion.RatingGeneral)

	_, _, err := e.illustrate(t, p, companion.Scene{Mood: companion.MoodNeutral})
	require.NoError(t, err)

	prompt := e.gen.requests()[0].Prompt
	require.True(t, strings.HasPrefix(prompt, p.LockedIdentity()+", wearing navy cardigan, "), "a scene that says nothing of clothes shows the default outfit: %q", prompt)
	// A neutral face is the default; saying it would only pull the picture towards a blank stare.
	for _, absent := range []string{"neutral", "expression", "in the", ", ,", "pov"} {
		require.NotContains(t, prompt, absent)
	}
}

func TestIllustrateReplyRequestFollowsTheRating(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rating companion.ContentRating
		safe   bool
	}{
		{companion.RatingGeneral, true},
		{companion.RatingMature, false},
		{companion.RatingExplicit, false},
	} {
		t.Run(tc.rating.String(), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			_, _, err := e.illustrate(t, profile(t, tc.rating), companion.Scene{Action: "waving"})
			require.NoError(t, err)

			reqs := e.gen.requests()
			require.Len(t, reqs, 1)
			req := reqs[0]
			require.Equal(t, 832, req.Width, "portrait, in proportions image models are trained on")
			require.Equal(t, 1216, req.Height)
			require.Equal(t, int64(-1), req.Seed, "the backend chooses the seed")
			require.Equal(t, tc.rating, req.Rating, "backends with safety settings of their own need the rating")
			require.Contains(t, req.NegativePrompt, "bad anatomy", "every picture avoids the usual defects")
			for _, word := range []string{"nsfw", "nude", "explicit"} {
				if tc.safe {
					require.Contains(t, req.NegativePrompt, word, "a general-rated companion stays dressed")
				} else {
					require.NotContains(t, req.NegativePrompt, word)
				}
			}
		})
	}
}

func TestIllustrateReplyStoresTheProcessedPicture(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in, pic, err := e.illustrate(t, profile(t, companion.RatingMature), companion.Scene{Action: "waving"})
	require.NoError(t, err)

	// The backend's bytes are untrusted: they go through the processor, bounded to the picture fit;
	// the thumbnail is made from what was kept.
	require.Equal(t, [][]byte{e.gen.res.Data, processed.Data}, e.images.data)
	require.Equal(t, []int{mediauc.PictureFit, picture.ThumbFit}, e.images.fits)

	rows := e.media.Created()
	require.Len(t, rows, 2, "the picture and its thumbnail")
	for _, row := range rows {
		require.Equal(t, in.OwnerID, row.OwnerID)
		require.Equal(t, in.CompanionID, row.CompanionID)
		require.Equal(t, media.KindPicture, row.Kind)
		require.Equal(t, processed.ContentType, row.ContentType, "the processor's type, not the backend's")
		require.Equal(t, int64(len(processed.Data)), row.Bytes)
		require.Equal(t, now, row.CreatedAt)
		_, err = media.ParseKey(row.Key.String())
		require.NoError(t, err, "a key clients can present back")
		require.True(t, strings.HasPrefix(row.Key.String(), "img/") && strings.HasSuffix(row.Key.String(), ".webp"), row.Key.String())
		data, ct, ok := e.blobs.Blob(row.Key.String())
		require.True(t, ok, "the row names a stored blob")
		require.Equal(t, processed.Data, data, "the re-encoded picture is stored, never the backend's")
		require.Equal(t, "image/webp", ct)
	}
	require.Equal(t, 2, e.blobs.Count())

	require.Equal(t, rows[0].Image(), pic.Image, "the reply carries exactly what was recorded")
	require.Equal(t, rows[1].Image(), pic.Thumb)
	require.Equal(t, []pictured.Picture{pic}, e.gallery.all(), "the picture is in the gallery")
	require.Equal(t, in.MessageID, pic.MessageID)
	require.Equal(t, in.CompanionID, pic.CompanionID)
	require.Equal(t, int64(42), pic.Params.Seed, "the seed the backend used")
	require.Equal(t, e.gen.requests()[0].Prompt, pic.Params.Prompt)
	require.Equal(t, 832, pic.Params.Width)
	require.Equal(t, "fake", pic.Backend)
	require.Equal(t, "fake-xl", pic.Model)
	require.Equal(t, now, pic.CreatedAt)
}

func TestIllustrateReplyRefusesAnUnusablePicture(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cause := domain.E(domain.KindInvalid, "corrupt_image", "the image is corrupt")
	e.images.err = cause

	_, img, err := e.illustrate(t, profile(t, companion.RatingGeneral), companion.Scene{})

	require.ErrorIs(t, err, picture.ErrUnusablePicture)
	require.ErrorIs(t, err, cause, "the reason stays in the chain for the log")
	// Not the client's fault: another render may be fine, so the step may be retried.
	requireKind(t, err, domain.KindUnavailable)
	require.True(t, img.IsZero())
	require.Zero(t, e.blobs.Count())
	require.Empty(t, e.media.Created())
}

func TestIllustrateReplyPassesOtherProcessorFailuresOn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cause := domain.Errorf(domain.KindInternal, "encoder broke")
	e.images.err = cause

	_, _, err := e.illustrate(t, profile(t, companion.RatingGeneral), companion.Scene{})

	require.ErrorIs(t, err, cause)
	require.NotErrorIs(t, err, picture.ErrUnusablePicture, "only a picture the processor refuses is the backend's fault")
	require.Zero(t, e.blobs.Count())
	require.Empty(t, e.media.Created())
}

func TestIllustrateReplyReturnsGeneratorErrorsUnchanged(t *testing.T) {
	t.Parallel()
	for _, cause := range []*domain.Error{
		domain.E(domain.KindRateLimited, "busy", "the image backend is busy").WithRetryAfter(3 * time.Second),
		domain.E(domain.KindInvalid, "content_refused", "the backend refused the prompt"),
	} {
		t.Run(cause.Kind.String(), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.gen.err = cause

			_, img, err := e.illustrate(t, profile(t, companion.RatingGeneral), companion.Scene{})

			// Unchanged: its kind and retry-after decide whether the turn tries again.
			require.Same(t, cause, err)
			require.True(t, img.IsZero())
			require.Zero(t, e.images.calls)
			require.Zero(t, e.blobs.Count())
			require.Empty(t, e.media.Created())
		})
	}
}

func TestIllustrateReplyMediaRowFailure(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind     domain.Kind
		keepBlob bool
	}{
		{domain.KindInvalid, false},
		{domain.KindConflict, false},
		// A dropped connection may hide a row that was written: an orphan beats a row naming nothing.
		{domain.KindUnavailable, true},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			cause := domain.Errorf(tc.kind, "media row refused")
			e.media.Err = cause

			_, img, err := e.illustrate(t, profile(t, companion.RatingGeneral), companion.Scene{})

			require.ErrorIs(t, err, cause)
			require.True(t, img.IsZero())
			if tc.keepBlob {
				require.Equal(t, 1, e.blobs.Count())
				require.Empty(t, e.blobs.Deleted())
			} else {
				require.Zero(t, e.blobs.Count())
				require.Len(t, e.blobs.Deleted(), 1)
			}
		})
	}
}
