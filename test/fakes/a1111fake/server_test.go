package a1111fake_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "golang.org/x/image/webp"

	"github.com/companionhub/companionhub/test/awaittest"
	"github.com/companionhub/companionhub/test/fakes/a1111fake"
)

// call sends a request to the fake and returns the status, headers and body.
func call(t *testing.T, s *a1111fake.Server, method, path, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, b
}

type answer struct {
	Images     []string       `json:"images"`
	Parameters map[string]any `json:"parameters"`
	Info       string         `json:"info"`
}

type info struct {
	Seed        int64    `json:"seed"`
	AllSeeds    []int64  `json:"all_seeds"`
	Width       int      `json:"width"`
	Height      int      `json:"height"`
	SDModelName string   `json:"sd_model_name"`
	Infotexts   []string `json:"infotexts"`
}

// render posts body to txt2img, requires success, and returns the decoded picture, its format,
// its bytes and the info.
func render(t *testing.T, s *a1111fake.Server, body string) (image.Image, string, []byte, info) {
	t.Helper()
	status, _, b := call(t, s, http.MethodPost, "/sdapi/v1/txt2img", body)
	require.Equal(t, http.StatusOK, status, string(b))
	var a answer
	require.NoError(t, json.Unmarshal(b, &a))
	require.Len(t, a.Images, 1)
	_, b64, _ := strings.Cut(a.Images[0], ";base64,") // data URLs, when configured
	if b64 == "" {
		b64 = a.Images[0]
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	img, format, err := image.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	var in info
	require.NoError(t, json.Unmarshal([]byte(a.Info), &in), "info is a JSON document in a string")
	return img, format, data, in
}

const fox = `{"prompt":"a fox","negative_prompt":"blurry","width":512,"height":768,"steps":4,"cfg_scale":7,"seed":42,"sampler_name":"Euler a"}`

func TestRendersTheRequestedPicture(t *testing.T) {
	t.Parallel()
	s := a1111fake.New(t)
	img, format, data, in := render(t, s, fox)
	assert.Equal(t, "png", format)
	assert.Equal(t, image.Pt(512, 768), img.Bounds().Size())
	assert.Equal(t, int64(42), in.Seed)
	assert.Equal(t, []int64{42}, in.AllSeeds)
	assert.Equal(t, "v1-5-pruned-emaonly", in.SDModelName)
	require.Len(t, in.Infotexts, 1)
	assert.Contains(t, in.Infotexts[0], "Seed: 42, Size: 512x768")
	assert.Contains(t, string(data), "parameters", "the PNG carries the parameters, as the web UI's do")

	_, _, again, _ := render(t, s, fox)
	assert.Equal(t, data, again, "the same prompt and seed give the same bytes")
	_, _, other, _ := render(t, s, strings.Replace(fox, `"seed":42`, `"seed":43`, 1))
	assert.NotEqual(t, data, other, "another seed gives another picture")

	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, "a fox", reqs[0].Prompt)
	assert.Equal(t, "Euler a", reqs[0].SamplerName)
	assert.Equal(t, 1, reqs[0].BatchSize, "defaults fill what the body left out")
	assert.True(t, reqs[0].SendImages)
}

func TestChoosesARandomSeed(t *testing.T) {
	t.Parallel()
	s := a1111fake.New(t)
	img, _, _, in := render(t, s, `{"prompt":"x","seed":-1,"width":68,"height":64,"steps":1}`)
	assert.GreaterOrEqual(t, in.Seed, int64(0))
	assert.Equal(t, []int64{in.Seed}, in.AllSeeds)
	assert.Equal(t, image.Pt(64, 64), img.Bounds().Size(), "sizes are floored to a multiple of 8")
}

func TestFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		format a1111fake.Format
		want   string
	}{{a1111fake.JPEG, "jpeg"}, {a1111fake.WebP, "webp"}} {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			s := a1111fake.New(t, a1111fake.WithFormat(tc.format), a1111fake.WithDataURLs())
			img, format, _, _ := render(t, s, fox)
			assert.Equal(t, tc.want, format)
			assert.Equal(t, image.Pt(512, 768), img.Bounds().Size())
		})
	}
}

func TestListings(t *testing.T) {
	t.Parallel()
	s := a1111fake.New(t)
	status, _, b := call(t, s, http.MethodGet, "/sdapi/v1/sd-models", "")
	require.Equal(t, http.StatusOK, status)
	var models []map[string]any
	require.NoError(t, json.Unmarshal(b, &models))
	require.Len(t, models, 3)
	assert.Equal(t, "anime/animagineXL_v31.safetensors [e3c47aedb0]", models[2]["title"])
	assert.Equal(t, "anime_animagineXL_v31", models[2]["model_name"])
	assert.Equal(t, "/models/Stable-diffusion/anime/animagineXL_v31.safetensors", models[2]["filename"])
	assert.Contains(t, models[2], "sha256")

	status, _, b = call(t, s, http.MethodGet, "/sdapi/v1/samplers", "")
	require.Equal(t, http.StatusOK, status)
	var samplers []struct {
		Name    string   `json:"name"`
		Aliases []string `json:"aliases"`
	}
	require.NoError(t, json.Unmarshal(b, &samplers))
	assert.Equal(t, "DPM++ 2M", samplers[0].Name)
	assert.Equal(t, []string{"k_dpmpp_2m"}, samplers[0].Aliases)
	assert.Equal(t, 1, s.Hits("/sdapi/v1/samplers"))
}

func TestCheckpointOverride(t *testing.T) {
	t.Parallel()
	s := a1111fake.New(t)
	status, _, b := call(t, s, http.MethodPost, "/sdapi/v1/txt2img", `{"prompt":"x","override_settings":{"sd_model_checkpoint":"nope"}}`)
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Contains(t, string(b), `"error":"RuntimeError"`, "Forge's answer to an unknown checkpoint")
	assert.Equal(t, "v1-5-pruned-emaonly.safetensors [6ce0161689]", s.Loaded())

	_, _, _, in := render(t, s, `{"prompt":"x","steps":1,"override_settings":{"sd_model_checkpoint":"anime_animagineXL_v31"}}`)
	assert.Equal(t, "anime_animagineXL_v31", in.SDModelName)
	assert.Equal(t, "anime/animagineXL_v31.safetensors [e3c47aedb0]", s.Loaded(), "Forge keeps the override")
	assert.Equal(t, "anime_animagineXL_v31", s.Requests()[1].Checkpoint)
}

func TestSamplers(t *testing.T) {
	t.Parallel()
	s := a1111fake.New(t)
	status, _, b := call(t, s, http.MethodPost, "/sdapi/v1/txt2img", `{"prompt":"x","sampler_name":"Nope"}`)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, string(b), "Sampler not found")
	render(t, s, `{"prompt":"x","steps":1,"sampler_name":"DPM++ 2M Karras"}`) // an old-style name with its scheduler
}

func TestRejectsABadBody(t *testing.T) {
	t.Parallel()
	s := a1111fake.New(t)
	status, _, b := call(t, s, http.MethodPost, "/sdapi/v1/txt2img", `{"prompt":"x","width":"wide"}`)
	assert.Equal(t, http.StatusUnprocessableEntity, status)
	assert.Contains(t, string(b), `"loc":["body","width"]`)
	status, _, b = call(t, s, http.MethodGet, "/sdapi/v1/nothing", "")
	assert.Equal(t, http.StatusNotFound, status)
	assert.JSONEq(t, `{"detail":"Not Found"}`, string(b))
}

func TestProgressFollowsTheRender(t *testing.T) {
	t.Parallel()
	gate := make(chan struct{})
	s := a1111fake.New(t, a1111fake.WithStepGate(gate))
	type progress struct {
		Progress float64 `json:"progress"`
		State    struct {
			Job           string `json:"job"`
			JobCount      int    `json:"job_count"`
			SamplingStep  int    `json:"sampling_step"`
			SamplingSteps int    `json:"sampling_steps"`
		} `json:"state"`
	}
	read := func() progress {
		status, _, b := call(t, s, http.MethodGet, "/sdapi/v1/progress?skip_current_image=true", "")
		require.Equal(t, http.StatusOK, status)
		var p progress
		require.NoError(t, json.Unmarshal(b, &p))
		return p
	}
	assert.Zero(t, read().Progress, "an idle server reports no progress")

	done := make(chan []byte, 1)
	go func() { // without require: it may not stop a goroutine other than the test's
		var b []byte
		resp, err := s.Client().Post(s.URL()+"/sdapi/v1/txt2img", "application/json", strings.NewReader(`{"prompt":"x","steps":3}`))
		if err == nil {
			b, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		done <- b
	}()
	gate <- struct{}{}
	gate <- struct{}{} // step 2 can only be let through once step 1 is recorded
	p := read()
	assert.Equal(t, "scripts_txt2img", p.State.Job)
	assert.Equal(t, 1, p.State.JobCount)
	assert.Equal(t, 3, p.State.SamplingSteps)
	assert.True(t, p.State.SamplingStep == 1 || p.State.SamplingStep == 2, "step %d", p.State.SamplingStep)
	assert.True(t, p.Progress > 0.01 && p.Progress < 1, "progress %v", p.Progress)
	gate <- struct{}{}
	assert.Contains(t, string(awaittest.Recv(t, done, "the picture")), `"images"`)
	p = read()
	assert.Zero(t, p.Progress)
	assert.Empty(t, p.State.Job)
}

func TestAuth(t *testing.T) {
	t.Parallel()
	s := a1111fake.New(t, a1111fake.WithAuth("hub:s3cret"))
	status, h, _ := call(t, s, http.MethodGet, "/sdapi/v1/sd-models", "")
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Equal(t, "Basic", h.Get("WWW-Authenticate"))
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("hub:wrong"))
	status, _, _ = call(t, s, http.MethodGet, "/sdapi/v1/sd-models", "", "Authorization", basic)
	assert.Equal(t, http.StatusUnauthorized, status)
	basic = "Basic " + base64.StdEncoding.EncodeToString([]byte("hub:s3cret"))
	status, _, _ = call(t, s, http.MethodGet, "/sdapi/v1/sd-models", "", "Authorization", basic)
	assert.Equal(t, http.StatusOK, status)

	b := a1111fake.New(t, a1111fake.WithBearer("tok"))
	status, _, _ = call(t, b, http.MethodGet, "/sdapi/v1/samplers", "", "Authorization", "Bearer nope")
	assert.Equal(t, http.StatusUnauthorized, status)
	status, _, _ = call(t, b, http.MethodGet, "/sdapi/v1/samplers", "", "Authorization", "Bearer tok")
	assert.Equal(t, http.StatusOK, status)
}

func TestBehaviours(t *testing.T) {
	t.Parallel()
	s := a1111fake.New(t)
	s.Script(a1111fake.RateLimited("7"), a1111fake.Error(500), a1111fake.Malformed(), a1111fake.NotAPicture())
	status, h, b := call(t, s, http.MethodPost, "/sdapi/v1/txt2img", fox)
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Equal(t, "7", h.Get("Retry-After"))
	assert.Contains(t, string(b), a1111fake.ProviderText)
	status, _, b = call(t, s, http.MethodPost, "/sdapi/v1/txt2img", fox)
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Contains(t, string(b), `"error":"OutOfMemoryError"`)
	status, _, b = call(t, s, http.MethodPost, "/sdapi/v1/txt2img", fox)
	assert.Equal(t, http.StatusOK, status)
	assert.False(t, json.Valid(b), "a malformed answer is not JSON")
	status, _, b = call(t, s, http.MethodPost, "/sdapi/v1/txt2img", fox)
	assert.Equal(t, http.StatusOK, status)
	var a answer
	require.NoError(t, json.Unmarshal(b, &a))
	data, err := base64.StdEncoding.DecodeString(a.Images[0])
	require.NoError(t, err)
	_, _, err = image.Decode(bytes.NewReader(data))
	assert.Error(t, err, "NotAPicture sends something else")
	render(t, s, fox) // the script is used up
}

func TestHangEndsWithTheClient(t *testing.T) {
	t.Parallel()
	s := a1111fake.New(t, a1111fake.WithBehaviour(a1111fake.Hang()))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+"/sdapi/v1/txt2img", strings.NewReader(fox))
	require.NoError(t, err)
	_, err = s.Client().Do(req)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, s.Requests(), 1)
}
