package openaiimages_test

import (
	"fmt"
	"image"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
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
	g, err := openaiimages.New(openaiimages.Config{BaseURL: api.URL, FetchAllow: loopback}, api.Client())
	require.NoError(t, err)
	_, err = g.Generate(t.Context(), request(), nil)
	require.Error(t, err)
	assert.Equal(t, domain.KindUnavailable, domain.KindOf(err), "%v", err)
	assert.NotContains(t, err.Error(), "secret-signature", "a pre-signed URL's signature stays out of errors")
}

// TestURLAnswersReachOnlyPublicAddresses: a url answer is the service's word. On the API's own host
// it is fetched; on another host it is fetched only from a public address — not from loopback (nor
// any internal address), not by a name that resolves there, not by a redirect from the API's host —
// unless FetchAllow lets it. A refusal is final (drawing again would point at the same place) and
// names nothing of the address.
func TestURLAnswersReachOnlyPublicAddresses(t *testing.T) {
	t.Parallel()
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("an internal host was reached")
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(internal.Close)
	_, port, _ := net.SplitHostPort(internal.Listener.Addr().String())
	fake := imagesfake.New(t, imagesfake.WithAPIKey(testKey), imagesfake.WithBehaviour(imagesfake.ForceURL()))

	for _, target := range []string{
		internal.URL + "/metadata?secret=1",                // another port of the hub's own machine
		"http://localhost:" + port + "/metadata",           // a name for it
		"http://[::ffff:127.0.0.1]:" + port + "/meta",      // IPv4 in IPv6's clothes
		fake.URL() + "/redirect?to=" + internal.URL + "/x", // the API's host redirecting there
	} {
		t.Run(target, func(t *testing.T) {
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if to := r.URL.Query().Get("to"); to != "" {
					http.Redirect(w, r, to, http.StatusFound)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				u := strings.Replace(target, fake.URL(), "http://"+r.Host, 1)
				_, _ = fmt.Fprintf(w, `{"created":1,"data":[{"url":%q}]}`, u)
			}))
			t.Cleanup(api.Close)
			g, err := openaiimages.New(openaiimages.Config{BaseURL: api.URL, APIKey: testKey}, api.Client())
			require.NoError(t, err)
			_, err = g.Generate(t.Context(), request(), nil)
			require.Error(t, err)
			assert.Equal(t, domain.KindInternal, domain.KindOf(err), "%v", err)
			assert.Equal(t, "image_url_refused", reason(err), "%v", err)
			assert.NotContains(t, err.Error(), port, "the address stays out of errors")
		})
	}

	t.Run("the API's own host", func(t *testing.T) {
		res, err := newGenerator(t, fake, imagesfake.DallE3, func(c *openaiimages.Config) { c.FetchAllow = nil }).
			Generate(t.Context(), request(), nil)
		require.NoError(t, err, "the operator named that host")
		assert.NotEmpty(t, res.Data)
	})
	t.Run("another host, allowed", func(t *testing.T) {
		separate := imagesfake.New(t, imagesfake.WithAPIKey(testKey), imagesfake.WithSeparateFileHost(),
			imagesfake.WithBehaviour(imagesfake.ForceURL()))
		_, err := newGenerator(t, separate, imagesfake.DallE3, func(c *openaiimages.Config) { c.FetchAllow = nil }).
			Generate(t.Context(), request(), nil)
		assert.Equal(t, "image_url_refused", reason(err), "%v", err)
		res, err := newGenerator(t, separate, imagesfake.DallE3).Generate(t.Context(), request(), nil)
		require.NoError(t, err, "allowed by FetchAllow")
		assert.NotEmpty(t, res.Data)
	})
}

// reason is the reason of err's domain error ("" without one).
func reason(err error) string {
	if e := domain.AsError(err); e != nil {
		return e.Reason
	}
	return ""
}
