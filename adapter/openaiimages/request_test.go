package openaiimages_test

import (
	"bytes"
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/adapter/openaiimages"
	"github.com/companionhub/companionhub/test/fakes/imagesfake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// request is what most tests render: a portrait, which no OpenAI model draws as such.
func request() picture.Request {
	return picture.Request{Prompt: "a lighthouse at dusk", NegativePrompt: "blurry, text", Width: 512, Height: 768,
		Steps: 20, CFGScale: 7, Sampler: "Euler a", Seed: 7}
}

// asRequested makes the fake draw the size request() asks for whatever the model, for tests that
// are not about fitting pictures: fitting a 1024² one takes a while under the race detector.
func asRequested() imagesfake.Option {
	return imagesfake.WithBehaviour(imagesfake.OtherSize(request().Width, request().Height))
}

// size decodes a result and returns its size.
func size(t *testing.T, res picture.Result) image.Point {
	t.Helper()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(res.Data))
	require.NoError(t, err)
	return image.Pt(cfg.Width, cfg.Height)
}

// TestRequestPerModel: each model is asked for a size it draws (the nearest in aspect ratio),
// b64_json where it accepts response_format, one picture, and nothing the API does not know; the
// answer comes back at the requested size whatever was drawn.
func TestRequestPerModel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		model, size string
		b64         bool
	}{
		{imagesfake.DallE2, "1024x1024", true},
		{imagesfake.DallE3, "1024x1792", true},
		{imagesfake.GPTImage1, "1024x1536", false},
		{imagesfake.GPTImage15, "1024x1536", false},
		{imagesfake.CustomModel, "512x768", true},
	} {
		t.Run(tc.model, func(t *testing.T) {
			t.Parallel()
			fake := imagesfake.New(t, imagesfake.WithAPIKey(testKey))
			res, err := newGenerator(t, fake, tc.model).Generate(t.Context(), request(), nil)
			require.NoError(t, err)
			assert.Equal(t, image.Pt(512, 768), size(t, res))

			reqs := fake.Requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, "/v1/images/generations", r.Path)
			assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Equal(t, tc.model, r.Model)
			assert.Equal(t, tc.size, r.Size)
			require.NotNil(t, r.N)
			assert.Equal(t, 1, *r.N)
			if tc.b64 {
				require.NotNil(t, r.ResponseFormat)
				assert.Equal(t, "b64_json", *r.ResponseFormat)
				assert.Equal(t, []string{"model", "n", "prompt", "response_format", "size"}, r.Params)
			} else {
				assert.Equal(t, []string{"model", "n", "prompt", "size"}, r.Params, "GPT image models refuse response_format")
			}
		})
	}
}

// TestModelChoice: the request's model, else the configured one, else DefaultModel.
func TestModelChoice(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t, imagesfake.WithAPIKey(testKey), asRequested())
	req := request()
	req.Model = imagesfake.DallE3
	_, err := newGenerator(t, fake, imagesfake.GPTImage1).Generate(t.Context(), req, nil)
	require.NoError(t, err)
	_, err = newGenerator(t, fake, imagesfake.GPTImage1).Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	_, err = newGenerator(t, fake, "").Generate(t.Context(), request(), nil)
	require.NoError(t, err)

	reqs := fake.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, imagesfake.DallE3, reqs[0].Model)
	assert.Equal(t, imagesfake.GPTImage1, reqs[1].Model)
	assert.Equal(t, openaiimages.DefaultModel, reqs[2].Model)
}

// TestBaseURL: a base URL without a path gets /v1; one with a path is the API root.
func TestBaseURL(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t)
	for _, base := range []string{fake.RootURL(), fake.RootURL() + "/", fake.URL(), fake.URL() + "/"} {
		g := newGenerator(t, fake, imagesfake.CustomModel, func(c *openaiimages.Config) { c.BaseURL = base })
		_, err := g.Generate(t.Context(), request(), nil)
		require.NoError(t, err, base)
	}
	for _, r := range fake.Requests() {
		assert.Equal(t, "/v1/images/generations", r.Path)
	}
}

// TestNegativePrompt: dropped by default, appended as "Avoid: …" when configured so.
func TestNegativePrompt(t *testing.T) {
	t.Parallel()
	fake := imagesfake.New(t)
	_, err := newGenerator(t, fake, imagesfake.CustomModel).Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	appending := newGenerator(t, fake, imagesfake.CustomModel, func(c *openaiimages.Config) {
		c.NegativePrompt = openaiimages.NegativeAppend
	})
	_, err = appending.Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	none := request()
	none.NegativePrompt = "  "
	_, err = appending.Generate(t.Context(), none, nil)
	require.NoError(t, err)

	reqs := fake.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "a lighthouse at dusk", reqs[0].Prompt)
	assert.Equal(t, "a lighthouse at dusk\n\nAvoid: blurry, text", reqs[1].Prompt)
	assert.Equal(t, "a lighthouse at dusk", reqs[2].Prompt, "no negative prompt, nothing to avoid")
}

// TestSeed: the API has no seed; the requested one is reported, or one chosen in 0…2³²-1.
func TestSeed(t *testing.T) {
	t.Parallel()
	g := newGenerator(t, imagesfake.New(t), imagesfake.CustomModel)
	res, err := g.Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	assert.Equal(t, int64(7), res.Seed)

	req := request()
	req.Seed = -1
	res, err = g.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	assert.True(t, res.Seed >= 0 && res.Seed < 1<<32, "seed %d", res.Seed)
}
