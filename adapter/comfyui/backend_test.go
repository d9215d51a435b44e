package comfyui

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/comfyfake"
	"github.com/companionhub/companionhub/usecase/picture"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := comfyfake.New(t)
	gen := backendtest.Open(t, "image", Backend(), backend.Settings{Provider: "comfyui", BaseURL: fake.URL(),
		Model: comfyfake.DefaultCheckpoint})
	res, err := gen.Generate(t.Context(), picture.Request{Prompt: "a fox", Width: 256, Height: 256, Seed: 1}, nil)
	require.NoError(t, err)
	assert.NotEmpty(t, res.Data)
}

// The backend needs a base URL; a catalogue says so naming the image settings' field.
func TestBackendNeedsABaseURL(t *testing.T) {
	t.Parallel()
	cat := backend.NewCatalog("image", Backend())
	var cs backend.Configs
	cat.Defaults(&cs)
	err := cat.Check(backend.Settings{Provider: "comfyui", Timeout: time.Minute}, cs, "Images", "Backends")
	require.ErrorContains(t, err, "Images.BaseURL")
}

// hub binds the image catalogue's backend settings as a hub does: flattened, with the hub's prefix.
type hub struct {
	Backends backend.Configs `envprefix:""`
}

// The own settings are read from COMPANIONHUB_COMFYUI_…, and a bad workflow file stops start-up
// naming its variable.
func TestOptionsVariables(t *testing.T) {
	t.Parallel()
	cat := backend.NewCatalog("image", Backend())
	var cfg hub
	cat.Defaults(&cfg.Backends)
	bad := filepath.Join(t.TempDir(), "wf.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"1": {"class_type": "KSampler", "inputs": {}}}`), 0o600))
	env := map[string]string{"COMPANIONHUB_COMFYUI_WORKFLOW": bad, "COMPANIONHUB_COMFYUI_SCHEDULER": "karras",
		"COMPANIONHUB_COMFYUI_VAE": "v.safetensors", "COMPANIONHUB_COMFYUI_DENOISE": "0.4",
		"COMPANIONHUB_COMFYUI_POLL_INTERVAL": "2s"}
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b, err := envflag.Bind(fs, "COMPANIONHUB_", &cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	require.NoError(t, fs.Parse(nil))
	require.NoError(t, b.Apply())

	o := cfg.Backends.Get("image", "comfyui").(*Options)
	assert.Equal(t, Options{Workflow: bad, VAE: "v.safetensors", Scheduler: "karras", Denoise: 0.4,
		PollInterval: 2 * time.Second}, *o)
	err = cat.Check(backend.Settings{Provider: "comfyui", BaseURL: "http://127.0.0.1:8188", Timeout: time.Minute},
		cfg.Backends, "Images", "Backends")
	require.Error(t, err)
	explained := b.Explain(err).Error()
	assert.Contains(t, explained, "COMPANIONHUB_COMFYUI_WORKFLOW")
	assert.Contains(t, explained, "has no output node")
}
