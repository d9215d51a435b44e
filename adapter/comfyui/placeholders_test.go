package comfyui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/test/fakes/comfyfake"
	"github.com/companionhub/companionhub/usecase/picture"
)

// request is a picture request with every value set.
func request() picture.Request {
	return picture.Request{Prompt: `a fox "reading", 1girl`, NegativePrompt: "blurry", Width: 512, Height: 768,
		Steps: 8, CFGScale: 6.5, Sampler: "dpmpp_2m", Seed: 42}
}

func tinyPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 3))))
	return buf.Bytes()
}

// A user's SillyTavern workflow (testdata/sillytavern_img2img.json: image-to-image from the
// companion's avatar, with a VAE, CLIP skip, a preview of the person's avatar and a custom
// placeholder) works unchanged: each placeholder becomes a value of the type its input needs.
func TestSillyTavernWorkflowGetsTypedValues(t *testing.T) {
	t.Parallel()
	wf, err := os.ReadFile("testdata/sillytavern_img2img.json")
	require.NoError(t, err)
	c, fake := newClient(t, func(c *Config) {
		c.Workflow, c.VAE, c.Scheduler, c.Denoise = wf, comfyfake.DefaultVAE, "karras", 0.55
	})
	req := request()
	req.CharacterAvatar = tinyPNG(t)
	res, err := c.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(42), res.Seed)
	img, err := png.Decode(bytes.NewReader(res.Data))
	require.NoError(t, err)
	assert.Equal(t, image.Pt(512, 768), img.Bounds().Size(), "the picture the workflow saved, not its preview")

	p := fake.Prompts()[0]
	want := map[[2]string]any{
		{"3", "seed"}: json.Number("42"), {"3", "steps"}: json.Number("8"), {"3", "cfg"}: json.Number("6.5"),
		{"3", "sampler_name"}: "dpmpp_2m", {"3", "scheduler"}: "karras", {"3", "denoise"}: json.Number("0.55"),
		{"4", "ckpt_name"}: comfyfake.DefaultCheckpoint, {"5", "vae_name"}: comfyfake.DefaultVAE,
		{"6", "text"}: req.Prompt, {"7", "text"}: "blurry",
		{"10", "image"}:              base64.StdEncoding.EncodeToString(req.CharacterAvatar),
		{"11", "stop_at_clip_layer"}: json.Number("-1"),
		{"13", "width"}:              json.Number("512"), {"13", "height"}: json.Number("768"),
		{"14", "image"}:          blankPNG,
		{"9", "filename_prefix"}: "%filename_prefix%", // not one of SillyTavern's own: left as it is
	}
	for at, v := range want {
		assert.Equal(t, v, p.Input(at[0], at[1]), "node %s input %s", at[0], at[1])
	}
	meta := p.Graph["3"].(map[string]any)["_meta"].(map[string]any)
	assert.Equal(t, "%prompt%, masterpiece", meta["title"], "a placeholder inside a longer text is text")
}

// With nothing but a prompt and a size, every placeholder of the default workflow still gets
// SillyTavern's default, and the seed is chosen and reported.
func TestDefaultsFillWhatTheRequestLeavesOut(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t, nil)
	res, err := c.Generate(t.Context(), picture.Request{Prompt: "a fox", Width: 512, Height: 512, Seed: -1}, nil)
	require.NoError(t, err)
	assert.True(t, res.Seed >= 0 && res.Seed < 1<<32, "chosen seed %d", res.Seed)

	p := fake.Prompts()[0]
	assert.Equal(t, []any{json.Number(jsonInt(res.Seed))}, p.Inputs("KSampler", "seed"), "the seed reported is the one sent")
	assert.Equal(t, []any{json.Number("20")}, p.Inputs("KSampler", "steps"))
	assert.Equal(t, []any{json.Number("7")}, p.Inputs("KSampler", "cfg"))
	assert.Equal(t, []any{"euler"}, p.Inputs("KSampler", "sampler_name"))
	assert.Equal(t, []any{"normal"}, p.Inputs("KSampler", "scheduler"))
	assert.Equal(t, []any{"a fox", ""}, p.Inputs("CLIPTextEncode", "text"))
	assert.Equal(t, []any{comfyfake.DefaultCheckpoint}, p.Inputs("CheckpointLoaderSimple", "ckpt_name"))
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// The request's model wins over the configured one.
func TestRequestModelWins(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t, nil, comfyfake.WithCheckpoints(comfyfake.DefaultCheckpoint, "other.safetensors"))
	req := request()
	req.Model = "other.safetensors"
	_, err := c.Generate(t.Context(), req, nil)
	require.NoError(t, err)
	assert.Equal(t, []any{"other.safetensors"}, fake.Prompts()[0].Inputs("CheckpointLoaderSimple", "ckpt_name"))
}

// Every name has a value of its documented type, so no known placeholder survives substitution,
// wherever it is; unknown ones and placeholders within text stay.
func TestSubstitutionCoversEveryName(t *testing.T) {
	t.Parallel()
	c := &Client{model: "m.safetensors", vae: "v.safetensors", scheduler: "normal", denoise: 0.7}
	values := c.values(request(), 42)
	require.Len(t, values, len(Placeholders()))
	types := map[string]any{phPrompt: "", phNegativePrompt: "", phSeed: int64(0), phSteps: 0, phScale: 0.0,
		phWidth: 0, phHeight: 0, phClipSkip: 0, phDenoise: 0.0, phModel: "", phVAE: "", phSampler: "",
		phScheduler: "", phCharAvatar: "", phUserAvatar: ""}
	var graph []any
	for _, name := range Placeholders() {
		assert.IsType(t, types[name], values[name], name)
		graph = append(graph, "%"+name+"%", map[string]any{"deep": []any{"%" + name + "%"}})
	}
	graph = append(graph, "%filename_prefix%", "%prompt% and more", "%PROMPT%", "%%", "%")
	out := substitute(graph, values).([]any)
	walkStrings(out, func(s string) {
		_, known := placeholderName(s)
		assert.False(t, known, "a known placeholder survived: %q", s)
	})
	assert.Equal(t, []any{"%filename_prefix%", "%prompt% and more", "%PROMPT%", "%%", "%"}, out[len(out)-5:])
}

// The avatar of someone without one is a real, tiny PNG, so a workflow that loads it still runs.
func TestMissingAvatarIsABlankPNG(t *testing.T) {
	t.Parallel()
	data, err := base64.StdEncoding.DecodeString(avatar(nil))
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	assert.Equal(t, image.Pt(1, 1), img.Bounds().Size())
}
