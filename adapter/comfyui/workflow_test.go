package comfyui

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/usecase/picture"
)

// The built-in workflow is ComfyUI's classic text-to-image graph, with the placeholders of every
// value a request carries, and renders against the fake as it is.
func TestDefaultWorkflow(t *testing.T) {
	t.Parallel()
	wf, err := parseWorkflow(DefaultWorkflow())
	require.NoError(t, err)
	var uses []string
	for name := range wf.uses {
		uses = append(uses, name)
	}
	assert.ElementsMatch(t, []string{phPrompt, phNegativePrompt, phSeed, phSteps, phScale, phWidth, phHeight,
		phModel, phSampler, phScheduler}, uses)

	c, fake := newClient(t, nil)
	_, err = c.Generate(t.Context(), request(), nil)
	require.NoError(t, err)
	var classes []string
	for _, node := range fake.Prompts()[0].Graph {
		classes = append(classes, node.(map[string]any)["class_type"].(string))
	}
	slices.Sort(classes)
	assert.Equal(t, []string{"CLIPTextEncode", "CLIPTextEncode", "CheckpointLoaderSimple", "EmptyLatentImage",
		"KSampler", "SaveImage", "VAEDecode"}, classes)
}

// A workflow file /prompt could not take is refused at start-up, saying why.
func TestBadWorkflowsAreRefused(t *testing.T) {
	t.Parallel()
	ui, err := os.ReadFile("testdata/ui_format.json")
	require.NoError(t, err)
	cases := map[string]struct{ file, want string }{
		"not JSON":        {`{"1": `, "is not valid JSON"},
		"trailing text":   {`{"1": {}} {}`, "is not valid JSON"},
		"not an object":   {`[1, 2]`, "must be a JSON object of nodes"},
		"UI format":       {string(ui), "UI format"},
		"empty":           {`{}`, "has no nodes"},
		"node not object": {`{"1": 3}`, `node "1" is not a JSON object`},
		"no class_type":   {`{"1": {"inputs": {}}}`, `node "1" has no class_type`},
		"no inputs":       {`{"1": {"class_type": "SaveImage"}}`, `node "1" (SaveImage) has no inputs object`},
		"no output node":  {`{"1": {"class_type": "CLIPTextEncode", "inputs": {"text": "%prompt%"}}}`, "has no output node"},
		"no prompt":       {`{"1": {"class_type": "SaveImage", "inputs": {"text": "a fox"}}}`, `has no "%prompt%" placeholder`},
	}
	for name, tc := range cases {
		_, err := parseWorkflow([]byte(tc.file))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.want, name)
	}
	path := filepath.Join(t.TempDir(), "wf.json")
	require.NoError(t, os.WriteFile(path, ui, 0o600))
	o := DefaultOptions()
	o.Workflow = path
	require.ErrorContains(t, o.Validate(), "Workflow: is a workflow in the UI format")
	o.Workflow = filepath.Join(t.TempDir(), "missing.json")
	require.ErrorContains(t, o.Validate(), "Workflow: cannot be read")
}

// A workflow that uses %model% or %vae% needs a value for it; one that does not, does not.
func TestWorkflowPlaceholdersNeedTheirSettings(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.BaseURL = "http://127.0.0.1:8188"
	require.ErrorContains(t, cfg.Validate(), "Model: is empty")

	wf, err := os.ReadFile("testdata/sillytavern_img2img.json")
	require.NoError(t, err)
	cfg.Model, cfg.Workflow = "m.safetensors", wf
	require.ErrorContains(t, cfg.Validate(), "VAE: is empty")
	cfg.VAE = "v.safetensors"
	require.NoError(t, cfg.Validate())

	cfg.Model, cfg.VAE = "", ""
	cfg.Workflow = []byte(`{"1": {"class_type": "SaveImage", "inputs": {"text": "%prompt%"}}}`)
	require.NoError(t, cfg.Validate(), "a workflow with its own checkpoint needs no model setting")

	_, err = New(Config{BaseURL: "ftp://x"}, nil)
	require.Equal(t, domain.KindInvalid, domain.KindOf(err))
}

// Requests a workflow cannot render are refused before any call.
func TestImpossibleRequestsAreRefusedFirst(t *testing.T) {
	t.Parallel()
	c, fake := newClient(t, nil)
	for name, edit := range map[string]func(*picture.Request){
		"width not a multiple of 8": func(r *picture.Request) { r.Width = 500 },
		"negative steps":            func(r *picture.Request) { r.Steps = -1 },
		"scale too high":            func(r *picture.Request) { r.CFGScale = 101 },
	} {
		req := request()
		edit(&req)
		_, err := c.Generate(t.Context(), req, nil)
		assert.Equal(t, domain.KindInvalid, domain.KindOf(err), name)
	}
	assert.Empty(t, fake.Prompts())
}
