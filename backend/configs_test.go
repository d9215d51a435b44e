package backend_test

import (
	"errors"
	"flag"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/envflag"
)

func TestConfigsZeroValueIsReady(t *testing.T) {
	t.Parallel()
	var cs backend.Configs
	assert.Nil(t, cs.Get("image", "comfyui"))
	assert.Empty(t, cs.EnvMembers())

	cfg := &comfyConfig{Workflow: "a.json"}
	cs.Set("image", "comfyui", cfg)
	assert.Same(t, cfg, cs.Get("image", "comfyui"))
}

func TestConfigsSetReplacesAndKeepsFeaturesApart(t *testing.T) {
	t.Parallel()
	var cs backend.Configs
	first, second, voice := &comfyConfig{Workflow: "a.json"}, &comfyConfig{Workflow: "b.json"}, &comfyConfig{}
	cs.Set("image", "comfyui", first)
	cs.Set("voice", "comfyui", voice)
	cs.Set("image", "comfyui", second)

	assert.Same(t, second, cs.Get("image", "comfyui"))
	assert.Same(t, voice, cs.Get("voice", "comfyui"))
	assert.Nil(t, cs.Get("image", "offline"))
	assert.Nil(t, cs.Get("comfyui", "image"), "feature and name are not interchangeable")
}

func TestConfigsCopiesShareTheirSettings(t *testing.T) {
	t.Parallel()
	// The façade passes Configs by value to the catalogues after the environment was applied to
	// the bound copy: the copies must see the same settings.
	var cs backend.Configs
	backend.NewCatalog("image", comfy()).Defaults(&cs)
	cp := cs
	cs.Set("image", "a1111", &comfyConfig{Workflow: "later.json"})
	cs.Get("image", "comfyui").(*comfyConfig).Workflow = "changed.json"

	assert.Equal(t, &comfyConfig{Workflow: "changed.json"}, cp.Get("image", "comfyui"))
	assert.Equal(t, &comfyConfig{Workflow: "later.json"}, cp.Get("image", "a1111"))
}

// hubConfig is how a binary binds a feature and the own settings of every backend it links.
type hubConfig struct {
	Image    backend.Feature `envprefix:"IMAGE_"`
	Backends backend.Configs `envprefix:""`
}

type bound struct {
	cfg     *hubConfig
	catalog backend.Catalog[*port]
	b       *envflag.Binding
}

func bindHub(t *testing.T, env map[string]string) (bound, error) {
	t.Helper()
	catalog := backend.NewCatalog("image", offline(), comfy())
	cfg := &hubConfig{Image: backend.NewFeature(
		backend.Settings{Provider: "offline", Timeout: time.Minute},
		backend.FeatureHelp{Provider: "image backend", BaseURL: "server", APIKey: "key", Model: "model", Timeout: "timeout"},
	)}
	catalog.Defaults(&cfg.Backends)
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b, err := envflag.Bind(fs, "COMPANIONHUB_", cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	require.NoError(t, fs.Parse(nil))
	return bound{cfg: cfg, catalog: catalog, b: b}, b.Apply()
}

func TestConfigsBindTheOwnSettingsOfEveryBackend(t *testing.T) {
	t.Parallel()
	h, err := bindHub(t, map[string]string{
		"COMPANIONHUB_COMFYUI_WORKFLOW": "portrait.json",
		"COMPANIONHUB_IMAGE_PROVIDER":   "comfyui",
		"COMPANIONHUB_IMAGE_BASE_URL":   "http://gpu:8188",
	})
	require.NoError(t, err)

	v, ok := h.b.Lookup("Backends.image-comfyui.Workflow")
	require.True(t, ok, "the own settings are bound under the backend's path, which Check reports")
	assert.Equal(t, "COMPANIONHUB_COMFYUI_WORKFLOW", v.Name, "fields carry their whole variable names")
	assert.Equal(t, "default.json", v.Default, "the default is the backend's own")

	assert.Equal(t, &comfyConfig{Workflow: "portrait.json"}, h.cfg.Backends.Get("image", "comfyui"))
	require.NoError(t, h.catalog.Check(h.cfg.Image.Settings, h.cfg.Backends, "Image", "Backends"))
	p, cleanup, err := h.catalog.Open(t.Context(), h.cfg.Image.Settings, h.cfg.Backends, backend.Deps{})
	require.NoError(t, err)
	defer cleanup()
	assert.Equal(t, "comfyui", p.backend)
	assert.Equal(t, &comfyConfig{Workflow: "portrait.json"}, p.own, "the catalogue reads what the environment set")
}

func TestExplainNamesTheVariablesOfACheckError(t *testing.T) {
	t.Parallel()
	h, err := bindHub(t, map[string]string{
		"COMPANIONHUB_COMFYUI_WORKFLOW": "portrait.txt",
		"COMPANIONHUB_IMAGE_PROVIDER":   "comfyui",
		"COMPANIONHUB_IMAGE_TIMEOUT":    "0s",
	})
	require.NoError(t, err)
	got := h.b.Explain(h.catalog.Check(h.cfg.Image.Settings, h.cfg.Backends, "Image", "Backends"))
	require.Error(t, got)
	// Every problem names the variable the operator sets, not a Go path.
	assert.Equal(t, `COMPANIONHUB_COMFYUI_WORKFLOW (--comfyui-workflow): must be a .json file, got "portrait.txt"`+"\n"+
		`COMPANIONHUB_IMAGE_BASE_URL (--image-base-url): comfyui needs a server address`+"\n"+
		`COMPANIONHUB_IMAGE_TIMEOUT (--image-timeout): must be positive, got 0s`, got.Error())
	var ve *envflag.VarError
	require.ErrorAs(t, got, &ve)
}

func TestExplainNamesTheProviderVariableOfAnUnknownProvider(t *testing.T) {
	t.Parallel()
	h, err := bindHub(t, map[string]string{"COMPANIONHUB_IMAGE_PROVIDER": "dalle"})
	require.NoError(t, err)
	got := h.b.Explain(h.catalog.Check(h.cfg.Image.Settings, h.cfg.Backends, "Image", "Backends"))
	assert.EqualError(t, got, `COMPANIONHUB_IMAGE_PROVIDER (--image-provider): unknown provider "dalle": this build has offline, comfyui`)
	assert.True(t, errors.Is(got, backend.ErrUnknown), "explaining keeps the sentinel matchable")
}
