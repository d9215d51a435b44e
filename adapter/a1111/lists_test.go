package a1111

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
)

// checkpointSent is the checkpoint the fake's last txt2img request named.
func checkpointSent(t *testing.T, fake *a1111fake.Server) string {
	t.Helper()
	reqs := fake.Requests()
	require.NotEmpty(t, reqs)
	return reqs[len(reqs)-1].Checkpoint
}

func TestCheckpointIsFoundByAnyOfItsNames(t *testing.T) {
	t.Parallel()
	const title = "anime/animagineXL_v31.safetensors [e3c47aedb0]"
	for _, name := range []string{title, "anime/animagineXL_v31.safetensors", "anime_animagineXL_v31",
		"animagineXL_v31.safetensors", "animagineXL_v31"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := a1111fake.New(t)
			cfg := testConfig(fake.URL())
			cfg.Model = name
			_, err := newClient(t, fake, cfg).Generate(t.Context(), request(), nil)
			require.NoError(t, err)
			assert.Equal(t, title, checkpointSent(t, fake), "the exact title is sent")
		})
	}
}

func TestRequestModelOverridesTheConfiguredOne(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	cfg := testConfig(fake.URL())
	cfg.Model = "v1-5-pruned-emaonly"
	req := request()
	req.Model = "sd_xl_base_1.0"
	_, err := newClient(t, fake, cfg).Generate(t.Context(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, "sd_xl_base_1.0.safetensors [31e35c80fc]", checkpointSent(t, fake))
}

// An unknown checkpoint would make Forge answer 500 and keep whatever it loaded: it is refused
// before any render, as misconfiguration.
func TestUnknownCheckpointIsNeverSent(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	cfg := testConfig(fake.URL())
	cfg.Model = "no-such-model"
	_, err := newClient(t, fake, cfg).Generate(t.Context(), request(), nil)
	requireError(t, err, domain.KindInternal, "image_unknown_model")
	assert.Zero(t, fake.Hits("/sdapi/v1/txt2img"), "nothing is rendered")
	assert.Equal(t, 1, fake.Hits("/sdapi/v1/sd-models"), "a list just fetched is not fetched again")
	assert.Equal(t, a1111fake.DefaultCheckpoints()[0].Title, fake.Loaded())
}

func TestCheckpointListIsKeptAndFetchedAgainOnAMiss(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	c := newClient(t, fake, testConfig(fake.URL()))
	req := request()
	req.Model = "sd_xl_base_1.0"
	for range 2 {
		_, err := c.Generate(t.Context(), req, nil)
		require.NoError(t, err)
	}
	assert.Equal(t, 1, fake.Hits("/sdapi/v1/sd-models"), "the list is kept")

	added := a1111fake.NewCheckpoint("ponyDiffusionV6XL.safetensors", "67ab2fd8ec")
	fake.SetCheckpoints(append(a1111fake.DefaultCheckpoints(), added)...)
	req.Model = "ponyDiffusionV6XL"
	_, err := c.Generate(t.Context(), req, nil)
	require.NoError(t, err, "a checkpoint added since the list was fetched is found")
	assert.Equal(t, added.Title, checkpointSent(t, fake))
	assert.Equal(t, 2, fake.Hits("/sdapi/v1/sd-models"))
}

// A checkpoint removed since the list was fetched gets Forge's 500: still misconfiguration, and
// the next call looks again.
func TestCheckpointRemovedSinceTheListWasFetched(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	c := newClient(t, fake, testConfig(fake.URL()))
	req := request()
	req.Model = "sd_xl_base_1.0"
	_, err := c.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	fake.SetCheckpoints(a1111fake.DefaultCheckpoints()[0])
	_, err = c.Generate(t.Context(), req, nil)
	requireError(t, err, domain.KindInternal, "image_unknown_model")
	_, err = c.Generate(t.Context(), req, nil)
	requireError(t, err, domain.KindInternal, "image_unknown_model")
	assert.Equal(t, 2, fake.Hits("/sdapi/v1/txt2img"), "the third call knew before rendering")
}

func TestSamplerNames(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	c := newClient(t, fake, testConfig(fake.URL()))
	for name, sent := range map[string]string{"Euler a": "Euler a", "k_euler_a": "Euler a", "dpm++ 2m": "DPM++ 2M",
		"DPM++ 2M Karras": "DPM++ 2M Karras"} {
		req := request()
		req.Sampler = name
		_, err := c.Generate(t.Context(), req, nil)
		require.NoError(t, err, name)
		reqs := fake.Requests()
		assert.Equal(t, sent, reqs[len(reqs)-1].SamplerName, name)
	}
	req := request()
	req.Sampler = "Nope"
	_, err := c.Generate(t.Context(), req, nil)
	e := requireError(t, err, domain.KindInvalid, "image_unknown_sampler")
	assert.Equal(t, "sampler", e.Fields[0].Field)
	assert.Equal(t, 4, fake.Hits("/sdapi/v1/txt2img"), "an unknown sampler is not sent")
}

func TestSamplers(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	c := newClient(t, fake, testConfig(fake.URL()))
	var want []string
	for _, s := range a1111fake.DefaultSamplers() {
		want = append(want, s.Name)
	}
	for range 2 {
		got, err := c.Samplers(t.Context())
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	assert.Equal(t, 1, fake.Hits("/sdapi/v1/samplers"), "the list is kept")

	down := testConfig(front(t, fake, func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	_, err := newClient(t, nil, down).Samplers(t.Context())
	requireError(t, err, domain.KindUnavailable, "image_unavailable")
}

// A copy of the API without the lists gets names as they are, for it to judge.
func TestServerWithoutLists(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	cfg := testConfig(front(t, fake, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if isList(r) {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	}))
	cfg.Model, cfg.Sampler = "sd_xl_base_1.0", "Heun"
	_, err := newClient(t, nil, cfg).Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	assert.Equal(t, "sd_xl_base_1.0", checkpointSent(t, fake))
	assert.Equal(t, "Heun", fake.Requests()[0].SamplerName)
}
