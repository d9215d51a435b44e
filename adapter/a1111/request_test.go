package a1111

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/secret"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
)

// body returns the raw JSON of the fake's last txt2img request.
func body(t *testing.T, fake *a1111fake.Server) map[string]any {
	t.Helper()
	reqs := fake.Requests()
	require.NotEmpty(t, reqs)
	var m map[string]any
	require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body, &m))
	return m
}

func TestRequestBody(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	c := newClient(t, fake, testConfig(fake.URL()))
	req := request()
	req.Width, req.Height, req.Steps, req.CFGScale = 512, 768, 12, 6.5
	req.Sampler, req.Model, req.Seed = "euler a", "anime_animagineXL_v31", 7
	_, err := c.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"prompt": "a fox in the snow", "negative_prompt": "blurry", "width": 512.0, "height": 768.0,
		"steps": 12.0, "cfg_scale": 6.5, "sampler_name": "Euler a", "seed": 7.0,
		"batch_size": 1.0, "n_iter": 1.0, "send_images": true, "save_images": false,
		"override_settings":                    map[string]any{"sd_model_checkpoint": "anime/animagineXL_v31.safetensors [e3c47aedb0]"},
		"override_settings_restore_afterwards": true,
	}, body(t, fake))
}

// What a request leaves to the backend comes from the Config; what the Config leaves too, from
// the server (nothing is sent).
func TestRequestDefaults(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	cfg := testConfig(fake.URL())
	c := newClient(t, fake, cfg)
	req := request()
	req.Steps, req.Seed = 0, -1
	res, err := c.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	m := body(t, fake)
	assert.Equal(t, 28.0, m["steps"])
	assert.Equal(t, 7.0, m["cfg_scale"])
	assert.Equal(t, -1.0, m["seed"], "a negative seed lets the server choose")
	assert.NotContains(t, m, "sampler_name")
	assert.NotContains(t, m, "scheduler")
	assert.NotContains(t, m, "override_settings", "no checkpoint configured: the loaded one renders")
	assert.Zero(t, fake.Hits("/sdapi/v1/sd-models"))
	assert.GreaterOrEqual(t, res.Seed, int64(0))

	cfg.Steps, cfg.CFGScale, cfg.Sampler, cfg.Scheduler, cfg.Model = 9, 4.5, "DPM++ 2M", "karras", "sd_xl_base_1.0.safetensors"
	c = newClient(t, fake, cfg)
	req.Steps = 0
	_, err = c.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	m = body(t, fake)
	assert.Equal(t, 9.0, m["steps"])
	assert.Equal(t, 4.5, m["cfg_scale"])
	assert.Equal(t, "DPM++ 2M", m["sampler_name"])
	assert.Equal(t, "karras", m["scheduler"])
	assert.Equal(t, map[string]any{"sd_model_checkpoint": "sd_xl_base_1.0.safetensors [31e35c80fc]"}, m["override_settings"])
}

func TestSizesAreCheckedBeforeAnyCall(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	c := newClient(t, fake, testConfig(fake.URL()))
	for _, size := range [][2]int{{512, 516}, {56, 512}, {512, 2056}} {
		req := request()
		req.Width, req.Height = size[0], size[1]
		_, err := c.Generate(t.Context(), req, nil)
		requireError(t, err, domain.KindInvalid, "validation_failed")
	}
	req := request()
	req.Steps = -1
	_, err := c.Generate(t.Context(), req, nil)
	requireError(t, err, domain.KindInvalid, "validation_failed")
	assert.Empty(t, fake.Requests())
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	basic := a1111fake.New(t, a1111fake.WithAuth("hub:s3cret"))
	cfg := testConfig(basic.URL())
	cfg.APIKey, cfg.Model = secret.String("hub:s3cret"), "sd_xl_base_1.0"
	_, err := newClient(t, basic, cfg).Generate(t.Context(), request(), nil)
	require.NoError(t, err, "a key with a colon is basic credentials, on every call")

	bearer := a1111fake.New(t, a1111fake.WithBearer("tok-123"))
	cfg = testConfig(bearer.URL())
	cfg.APIKey, cfg.Sampler = secret.String("tok-123"), "Euler"
	_, err = newClient(t, bearer, cfg).Generate(t.Context(), request(), nil)
	require.NoError(t, err, "another key is a bearer token, on every call")
	assert.Equal(t, "Bearer tok-123", bearer.Requests()[0].Header.Get("Authorization"))

	cfg = testConfig(basic.URL())
	cfg.APIKey = secret.String("hub:wrong")
	_, err = newClient(t, basic, cfg).Generate(t.Context(), request(), nil)
	e := requireError(t, err, domain.KindInternal, "image_auth")
	assert.NotContains(t, e.Error(), "wrong", "the credentials never reach an error")
}
