package backend_test

import (
	"bytes"
	"flag"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/secret"
)

type featureConfig struct {
	F backend.Feature `envprefix:"IMAGE_"`
}

var imageHelp = backend.FeatureHelp{
	Provider: "which image backend",
	BaseURL:  "image server address",
	APIKey:   "image server key",
	Model:    "image model",
	Timeout:  "longest image call",
}

func imageDefaults() backend.Settings {
	return backend.Settings{Provider: "offline", BaseURL: "http://localhost:8188", APIKey: "sk-default-key",
		Model: "sdxl", Timeout: 90 * time.Second}
}

func bindFeature(t *testing.T, env map[string]string, args ...string) (*featureConfig, *envflag.Binding, *flag.FlagSet, error) {
	t.Helper()
	cfg := &featureConfig{F: backend.NewFeature(imageDefaults(), imageHelp)}
	fs := flag.NewFlagSet("hub", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	b, err := envflag.Bind(fs, "PREFIX_", cfg, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.NoError(t, err)
	require.NoError(t, fs.Parse(args))
	return cfg, b, fs, b.Apply()
}

func TestFeatureVariables(t *testing.T) {
	t.Parallel()
	cfg, b, fs, err := bindFeature(t, nil)
	require.NoError(t, err)
	assert.Equal(t, []envflag.Var{
		// The key is a secret: only that it is set is shown.
		{Name: "PREFIX_IMAGE_API_KEY", Flag: "image-api-key", Path: "F.APIKey", Type: "secret", Default: secret.Redacted, Help: "image server key", Secret: true},
		{Name: "PREFIX_IMAGE_BASE_URL", Flag: "image-base-url", Path: "F.BaseURL", Type: "string", Default: "http://localhost:8188", Help: "image server address"},
		{Name: "PREFIX_IMAGE_MODEL", Flag: "image-model", Path: "F.Model", Type: "string", Default: "sdxl", Help: "image model"},
		{Name: "PREFIX_IMAGE_PROVIDER", Flag: "image-provider", Path: "F.Provider", Type: "string", Default: "offline", Help: "which image backend"},
		{Name: "PREFIX_IMAGE_TIMEOUT", Flag: "image-timeout", Path: "F.Timeout", Type: "duration", Default: "1m30s", Help: "longest image call"},
	}, b.Vars())
	assert.Equal(t, imageDefaults(), cfg.F.Settings, "no source keeps the defaults")

	// Nor does the flag set's usage print the key.
	var usage bytes.Buffer
	fs.SetOutput(&usage)
	fs.PrintDefaults()
	assert.Contains(t, usage.String(), "PREFIX_IMAGE_API_KEY", "the usage was printed")
	assert.NotContains(t, usage.String(), "sk-default-key")
}

func TestFeatureValuesLandInTheSettings(t *testing.T) {
	t.Parallel()
	cfg, _, _, err := bindFeature(t, map[string]string{
		"PREFIX_IMAGE_PROVIDER": "comfyui",
		"PREFIX_IMAGE_BASE_URL": "http://gpu:8188",
		"PREFIX_IMAGE_API_KEY":  "sk-live",
		"PREFIX_IMAGE_MODEL":    "flux",
		"PREFIX_IMAGE_TIMEOUT":  "2m",
		// A variable of the feature without the prefix is somebody else's.
		"PROVIDER": "a1111",
	}, "--image-model=sd3")
	require.NoError(t, err)
	assert.Equal(t, backend.Settings{Provider: "comfyui", BaseURL: "http://gpu:8188", APIKey: "sk-live",
		Model: "sd3", Timeout: 2 * time.Minute}, cfg.F.Settings, "the flag wins over the variable")
}

func TestFeatureFieldErrorsUseTheSettingsNames(t *testing.T) {
	t.Parallel()
	// Check reports problems at the Settings' field names under the feature's path; a binding
	// of the feature must explain exactly those paths.
	_, b, _, err := bindFeature(t, map[string]string{"PREFIX_IMAGE_TIMEOUT": "soon"})
	require.Error(t, err)
	for field, variable := range map[string]string{
		"Provider": "PREFIX_IMAGE_PROVIDER", "BaseURL": "PREFIX_IMAGE_BASE_URL", "APIKey": "PREFIX_IMAGE_API_KEY",
		"Model": "PREFIX_IMAGE_MODEL", "Timeout": "PREFIX_IMAGE_TIMEOUT",
	} {
		v, ok := b.Lookup("F." + field)
		if assert.True(t, ok, field) {
			assert.Equal(t, variable, v.Name)
		}
	}
	assert.EqualError(t, b.Explain(err), `PREFIX_IMAGE_TIMEOUT (--image-timeout): invalid duration "soon" (e.g. 30s, 5m, 1h30m)`)
}

func TestFeatureWithoutHelpDoesNotBind(t *testing.T) {
	t.Parallel()
	// Every setting is documented: a feature that forgets its help text fails at start, not in
	// an operator's empty --help.
	cfg := &featureConfig{F: backend.NewFeature(imageDefaults(), backend.FeatureHelp{})}
	_, err := envflag.Bind(flag.NewFlagSet("hub", flag.ContinueOnError), "PREFIX_", cfg, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "F.Provider")
}

// The provider's help lists the backends a build has: adding one changes the help by itself.
func TestFeatureHelpListsTheChoices(t *testing.T) {
	t.Parallel()
	help := imageHelp
	help.Provider = "image backend: %s (empty: off)"
	f := backend.NewFeature(imageDefaults(), help)
	more := f.WithChoices("offline", "comfyui")
	cfg := &featureConfig{F: more}
	b, err := envflag.Bind(flag.NewFlagSet("hub", flag.ContinueOnError), "PREFIX_", cfg, func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	found := false
	for _, v := range b.Vars() {
		if v.Name == "PREFIX_IMAGE_PROVIDER" {
			found = true
			assert.Equal(t, "image backend: offline, comfyui (empty: off)", v.Help)
		}
	}
	require.True(t, found)
	assert.Equal(t, f.Settings, more.Settings, "choices change the help, not the settings")
}
