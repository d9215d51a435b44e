package e2e

import (
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/a1111fake"
	"github.com/companionhub/companionhub/test/fakes/comfyfake"
	"github.com/companionhub/companionhub/test/fakes/imagesfake"
	"github.com/companionhub/companionhub/usecase/chat"
)

// The image backends as an operator meets them: chosen and located by environment variables
// alone, each drawing the companion as it looks (its locked identity) in what the scene has it
// wear; and a backend that fails, which never costs the reply.

// dressingMessage dresses the companion for the scene. The offline model's scene analysis echoes
// the last state block of its request — here the person's message — so this turn's reply leaves
// the companion in this outfit, which the picture drawn after it must show. The bra is under a
// kimono, so it is not drawn (the outfit's layering).
const dressingMessage = "Change for the evening and send me a picture.\n" +
	"outfit: emerald silk kimono, obi sash, black lace bra\n" +
	"location: moonlit rooftop garden\n" +
	"action: holding a paper lantern\n" +
	"mood: happy"

// miraIdentity is the locked identity of profileDoc's companion: its fixed appearance as prompt
// tags, what every picture of it starts with.
const miraIdentity = "1girl, 26 years old, japanese, pale skin, violet eyes, long straight, silver hair, slim body, " +
	"tall height, beauty mark"

// sceneOutfit is the outfit dressingMessage sets; drawnGarments what a picture of it shows.
var (
	sceneOutfit   = []string{"emerald silk kimono", "obi sash", "black lace bra"}
	drawnGarments = []string{"emerald silk kimono", "obi sash"}
)

// sillyTavernWorkflow is a ComfyUI text-to-image workflow in the API format, as SillyTavern's
// users export it, with SillyTavern's placeholders.
const sillyTavernWorkflow = `{
  "3": {"class_type": "KSampler", "inputs": {"seed": "%seed%", "steps": "%steps%", "cfg": "%scale%",
    "sampler_name": "%sampler%", "scheduler": "karras", "denoise": 1,
    "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}},
  "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "%model%"}},
  "5": {"class_type": "EmptyLatentImage", "inputs": {"width": "%width%", "height": "%height%", "batch_size": 1}},
  "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "%prompt%", "clip": ["4", 1]}},
  "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "%negative_prompt%", "clip": ["4", 1]}},
  "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
  "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "SillyTavern", "images": ["8", 0]}}
}`

// imageBackend is a fake image backend, which demands an API key, and the settings that point a
// hub at it.
type imageBackend struct {
	name string
	// start starts the fake and returns the hub's settings for it and a function reading the
	// prompts the fake received, oldest first.
	start func(t *testing.T) (env map[string]string, prompts func(t *testing.T) []string)
}

// imageBackends are the remote backends a hub can be pointed at, each with its fake.
var imageBackends = []imageBackend{
	{name: "a1111", start: func(t *testing.T) (map[string]string, func(*testing.T) []string) {
		key := unique("a1111-key")
		fake := a1111fake.New(t, a1111fake.WithBearer(key))
		return map[string]string{"COMPANIONHUB_IMAGE_PROVIDER": "a1111", "COMPANIONHUB_IMAGE_BASE_URL": fake.URL(),
				"COMPANIONHUB_IMAGE_API_KEY": key},
			func(t *testing.T) []string {
				var out []string
				for _, r := range fake.Requests() {
					require.True(t, r.Valid, "a txt2img request: %s", r.Body)
					require.NotEmpty(t, r.NegativePrompt)
					out = append(out, r.Prompt)
				}
				return out
			}
	}},
	{name: "comfyui", start: func(t *testing.T) (map[string]string, func(*testing.T) []string) {
		key := unique("comfy-key")
		fake := comfyfake.New(t, comfyfake.WithAPIKey(key))
		workflow := filepath.Join(t.TempDir(), "workflow_api.json")
		require.NoError(t, os.WriteFile(workflow, []byte(sillyTavernWorkflow), 0o600))
		return map[string]string{"COMPANIONHUB_IMAGE_PROVIDER": "comfyui", "COMPANIONHUB_IMAGE_BASE_URL": fake.URL(),
				"COMPANIONHUB_COMFYUI_WORKFLOW": workflow, "COMPANIONHUB_IMAGE_MODEL": comfyfake.DefaultCheckpoint,
				"COMPANIONHUB_IMAGE_API_KEY": key},
			func(t *testing.T) []string {
				var out []string
				for _, p := range fake.Prompts() {
					require.NotEmpty(t, p.ID, "ComfyUI queued the workflow: %s", p.Body)
					requireNoPlaceholders(t, p.Graph)
					for _, input := range []struct{ node, name string }{{"3", "seed"}, {"3", "steps"}, {"3", "cfg"},
						{"5", "width"}, {"5", "height"}} {
						require.IsType(t, json.Number(""), p.Input(input.node, input.name), "%s became a number", input.name)
					}
					require.Equal(t, comfyfake.DefaultCheckpoint, p.Input("4", "ckpt_name"))
					require.NotEmpty(t, p.Input("7", "text"), "the negative prompt")
					text, ok := p.Input("6", "text").(string)
					require.True(t, ok, "the prompt is text: %v", p.Input("6", "text"))
					out = append(out, text)
				}
				return out
			}
	}},
	{name: "openai", start: func(t *testing.T) (map[string]string, func(*testing.T) []string) {
		key := unique("sk-images")
		fake := imagesfake.New(t, imagesfake.WithAPIKey(key))
		return map[string]string{"COMPANIONHUB_IMAGE_PROVIDER": "openai", "COMPANIONHUB_IMAGE_BASE_URL": fake.URL(),
				"COMPANIONHUB_IMAGE_API_KEY": key},
			func(t *testing.T) []string {
				var out []string
				for _, r := range fake.Requests() {
					out = append(out, r.Prompt)
				}
				return out
			}
	}},
}

// requireSceneDrawn checks the prompt of a picture of the scene dressingMessage leaves: the
// companion's locked identity first, then the scene's outfit as worn — not the default outfit,
// and not the bra under the kimono.
func requireSceneDrawn(t *testing.T, prompt string) {
	t.Helper()
	require.True(t, strings.HasPrefix(prompt, miraIdentity+", "), "the locked identity first: %q", prompt)
	for _, garment := range drawnGarments {
		require.Contains(t, prompt, garment, "the scene's outfit is drawn")
	}
	require.NotContains(t, prompt, "bra", "underwear under the kimono is not drawn")
	require.NotContains(t, prompt, "navy cardigan", "the scene's outfit, not the default one")
}

// requireNoPlaceholders checks that no string of a workflow still holds a "%name%" placeholder.
func requireNoPlaceholders(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case string:
		require.False(t, len(x) > 2 && strings.HasPrefix(x, "%") && strings.HasSuffix(x, "%"), "placeholder %q left", x)
	case map[string]any:
		for _, e := range x {
			requireNoPlaceholders(t, e)
		}
	case []any:
		for _, e := range x {
			requireNoPlaceholders(t, e)
		}
	}
}

// TestPicturesFromConfiguredBackends: a hub pointed at a fake A1111, ComfyUI (with a workflow file
// using SillyTavern's placeholders) or OpenAI images server by environment variables alone (its
// key never reaching the logs) draws a
// reply's picture there; the prompt the backend receives carries the companion's fixed appearance
// and the outfit of the current scene, layered; the picture is served from /media to its owner
// only.
func TestPicturesFromConfiguredBackends(t *testing.T) {
	t.Parallel()
	for _, b := range imageBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, p := range []profile{sqliteProfile, postgresRedisProfile} {
				t.Run(p.name, func(t *testing.T) {
					t.Parallel()
					env, prompts := b.start(t)
					hubEnv := with(p.env(t), "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "0")
					maps.Copy(hubEnv, env)
					h := startHub(t, hubEnv)
					h.secret(env["COMPANIONHUB_IMAGE_API_KEY"])
					c := newChatter(t, h, "")
					evs, done, pic := c.pictureTurn(t, dressingMessage)
					requireDrawn(t, pic)
					require.NotEmpty(t, imagingProgress(t, evs), "the turn says it is drawing")

					states := ofType(evs, "state")
					require.Len(t, states, 1)
					var state struct {
						Scene struct {
							Outfit []string `json:"outfit"`
						} `json:"scene"`
					}
					states[0].decode(t, &state)
					require.Equal(t, sceneOutfit, state.Scene.Outfit, "the reply left the companion in the scene's outfit")

					received := prompts(t)
					require.Len(t, received, 1, "one picture asked of the backend")
					prompt := received[0]
					requireSceneDrawn(t, prompt)

					requireOwnerOnly(t, h, c, pic.URL)
					page := c.gallery(t, "")
					require.Equal(t, 1, page.Total)
					require.Equal(t, b.name, page.Items[0].Backend)
					require.Equal(t, prompt, page.Items[0].Prompt, "the gallery records what was drawn")
					require.Equal(t, pic.ID, c.message(t, done.MessageID).PictureID)
				})
			}
		})
	}
}

// TestPictureBackendDown: a backend that always fails — one answering 500, one nobody listens on
// — never costs the reply. The reply is saved, the turn completes, and the `image` event says the
// picture failed, in words meant for people: no backend text, no address. Retries are paced a
// hundredth of the policy's.
func TestPictureBackendDown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) (env map[string]string, leaks []string, calls func() int)
	}{
		{"a1111 answers 500", func(t *testing.T) (map[string]string, []string, func() int) {
			fake := a1111fake.New(t, a1111fake.WithBehaviour(a1111fake.Error(500)))
			return map[string]string{"COMPANIONHUB_IMAGE_PROVIDER": "a1111", "COMPANIONHUB_IMAGE_BASE_URL": fake.URL()},
				[]string{a1111fake.ProviderText, "CUDA", "500", fake.URL(), "127.0.0.1", "a1111"},
				func() int { return len(fake.Requests()) }
		}},
		{"nobody listens", func(t *testing.T) (map[string]string, []string, func() int) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			addr := l.Addr().String()
			require.NoError(t, l.Close())
			_, port, _ := net.SplitHostPort(addr)
			return map[string]string{"COMPANIONHUB_IMAGE_PROVIDER": "openai", "COMPANIONHUB_IMAGE_BASE_URL": "http://" + addr + "/v1"},
				[]string{addr, port, "connection refused", "dial"}, nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env, leaks, calls := tc.start(t)
			h := startHub(t, with(env, "COMPANIONHUB_OFFLINE_TOKENS_PER_SECOND", "0", "COMPANIONHUB_TURN_BACKOFF_SCALE", "0.01"))
			c := newChatter(t, h, "")
			evs, done, pic := c.pictureTurn(t, "Send me a picture of the sky.")

			require.Empty(t, pic.ID, "no picture: %+v", pic)
			require.Empty(t, pic.URL)
			require.NotEmpty(t, pic.Code, "the event says why")
			require.NotEmpty(t, pic.Error)
			require.Contains(t, pic.Error, "picture", "plain words: %q", pic.Error)
			for _, leak := range leaks {
				require.NotContains(t, pic.Error, leak, "backend text never reaches the client")
				require.NotContains(t, pic.Code, leak)
			}
			if calls != nil {
				require.Equal(t, chat.Policies[chat.StepPicture].Attempts, calls(), "the picture was tried again before giving up")
			}
			require.Equal(t, done.Text, replyText(t, evs))

			reply := c.message(t, done.MessageID)
			require.Equal(t, done.Text, reply.Text, "the reply is saved")
			require.Nil(t, reply.Image)
			require.Empty(t, reply.PictureID)
			require.False(t, reply.ImageRemoved)
			require.Zero(t, c.gallery(t, "").Total)
		})
	}
}

// TestPictureParametersAreChecked: POST /api/v1/images refuses bad parameters with 400 naming the
// field — before anything reaches the backend or counts against the hourly allowance — and
// renders a good request as asked, the sampler checked against the backend's own list.
func TestPictureParametersAreChecked(t *testing.T) {
	t.Parallel()
	fake := a1111fake.New(t)
	h := startHub(t, map[string]string{"COMPANIONHUB_IMAGE_PROVIDER": "a1111", "COMPANIONHUB_IMAGE_BASE_URL": fake.URL()})
	c := newChatter(t, h, "")
	request := func(field string, value any) map[string]any {
		r := map[string]any{"prompt": "a lighthouse at dusk", "width": 512, "height": 768, "steps": 20,
			"cfg_scale": 7, "sampler": "Euler a", "seed": 42}
		if field != "" {
			r[field] = value
		}
		return r
	}

	for _, tc := range []struct {
		field string
		value any
	}{
		{"width", 500}, {"width", 4096}, {"width", 192}, {"width", 0}, {"width", "512"},
		{"height", 100}, {"height", 2112}, {"height", 770},
		{"steps", 151}, {"steps", -1}, {"steps", 2.5},
		{"cfg_scale", 0.5}, {"cfg_scale", 31}, {"cfg_scale", "high"},
		{"seed", -2}, {"seed", int64(1) << 32},
		{"sampler", "Nonexistent Sampler"}, {"sampler", strings.Repeat("s", 101)},
		{"prompt", "  "}, {"companion_id", "not-an-id"},
	} {
		res := c.do("POST", "/api/v1/images", request(tc.field, tc.value))
		require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s=%v: %s", tc.field, tc.value, res.body)
		e := res.apiError(t)
		require.Equal(t, "invalid", e.Code, "%s=%v", tc.field, tc.value)
		require.NotEmpty(t, e.Details.Fields, "%s=%v: %s", tc.field, tc.value, res.body)
		require.Equal(t, tc.field, e.Details.Fields[0].Field, "%s=%v: %s", tc.field, tc.value, res.body)
	}
	res := c.do("POST", "/api/v1/images", map[string]any{"prompt": "x", "width": 100, "height": 5000, "cfg_scale": 99})
	require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", res.body)
	var fields []string
	for _, f := range res.apiError(t).Details.Fields {
		fields = append(fields, f.Field)
	}
	require.ElementsMatch(t, []string{"width", "height", "cfg_scale"}, fields, "every bad field is named")
	require.Empty(t, fake.Requests(), "nothing bad reached the backend")

	res = c.do("GET", "/api/v1/images/samplers", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
	var samplers struct {
		Samplers []string `json:"samplers"`
	}
	res.json(t, &samplers)
	require.Contains(t, samplers.Samplers, "Euler a", "the backend's list")

	// A good request is drawn as asked, and with a companion its identity comes first.
	good := request("companion_id", c.companion)
	res = c.do("POST", "/api/v1/images", good)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%s", res.body)
	var pic galleryPicture
	res.json(t, &pic)
	require.Equal(t, "/api/v1/images/"+pic.ID, res.Header.Get("Location"))
	require.Equal(t, []any{512, 768, 20, 7.0, "Euler a", int64(42), "a1111"},
		[]any{pic.Width, pic.Height, pic.Steps, pic.CFGScale, pic.Sampler, pic.Seed, pic.Backend})
	sent := fake.Requests()
	require.Len(t, sent, 1)
	r := sent[0]
	require.Equal(t, []any{512, 768, 20, 7.0, "Euler a", int64(42)},
		[]any{r.Width, r.Height, r.Steps, r.CFGScale, r.SamplerName, r.Seed})
	require.Equal(t, miraIdentity+", a lighthouse at dusk", r.Prompt, "the identity, then the person's prompt")
	require.Equal(t, r.Prompt, pic.Prompt)
	requireOwnerOnly(t, h, c, pic.URL)
	require.True(t, slices.ContainsFunc(c.gallery(t, "").Items, func(g galleryPicture) bool { return g.ID == pic.ID }))
}
