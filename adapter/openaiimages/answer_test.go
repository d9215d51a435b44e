package openaiimages_test

import (
	"fmt"
	"image"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaiimages"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/domain/media"
	"github.com/companionhub/companionhub/test/fakes/imagesfake"
)

// TestURLAnswersAreFetched: a url answer is fetched; the key goes along only to the API's own
// host, never to another (OpenAI's storage, whose URLs are pre-signed).
func TestURLAnswersAreFetched(t *testing.T) {
	t.Parallel()
	for _, separate := range []bool{false, true} {
		t.Run(fmt.Sprintf("separate host %v", separate), func(t *testing.T) {
			t.Parallel()
			opts := []imagesfake.Option{imagesfake.WithAPIKey(testKey), imagesfake.WithBehaviour(imagesfake.Behaviour{ForceURL: true, Width: 512, Height: 768})}
			if separate {
				opts = append(opts, imagesfake.WithSeparateFileHost())
			}
			fake := imagesfake.New(t, opts...)
			res, err := newGenerator(t, fake, imagesfake.DallE3).Generate(t.Context(), request(), nil)
			require.NoError(t, err)
			assert.Equal(t, image.Pt(512, 768), size(t, res))

			files := fake.FileRequests()
			require.Len(t, files, 1)
			if separate {
				assert.Empty(t, files[0].Header.Get("Authorization"), "the key must not reach another host")
			} else {
				assert.Equal(t, "Bearer "+testKey, files[0].Header.Get("Authorization"))
			}
		})
	}
}

// TestAnswerOfTheRequestedSizeIsPassedOn: bytes of the right size come back as they are, in the
// format they are in.
func TestAnswerOfTheRequestedSizeIsPassedOn(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t, imagesfake.WithBehaviour(imagesfake.JPEG()))
	res, err := newGenerator(t, fake, imagesfake.CustomModel).Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	assert.Equal(t, media.JPEG, res.Format)
	assert.Equal(t, imagesfake.Draw(request().Prompt, 0, 512, 768, true), res.Data)
}

// TestAnswerOfAnotherSizeIsFitted: a server that drew another size (here another aspect ratio
// too) has its picture fitted, as PNG.
func TestAnswerOfAnotherSizeIsFitted(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t, imagesfake.WithBehaviour(imagesfake.Behaviour{Width: 640, Height: 320, JPEG: true}))
	res, err := newGenerator(t, fake, imagesfake.CustomModel).Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	assert.Equal(t, media.PNG, res.Format)
	assert.Equal(t, image.Pt(512, 768), size(t, res))
}

// TestFileThatCannotBeFetched: an expired or missing file is worth another try (the picture is
// drawn again), not the caller's fault.
func TestFileThatCannotBeFetched(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"created":1,"data":[{"url":%q}]}`, fake.FilesURL()+"/files/expired.png?sig=secret-signature")
	}))
	t.Cleanup(api.Close)
	g, err := openaiimages.New(openaiimages.Config{BaseURL: api.URL}, api.Client())
	require.NoError(t, err)
	_, err = g.Generate(t.Context(), request(), nil)
	require.Error(t, err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	assert.NotContains(t, err.Error(), "secret-signature", "a pre-signed URL's signature stays out of errors")
}
