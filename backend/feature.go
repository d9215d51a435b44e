package backend

import (
	"slices"
	"strings"

	"github.com/companionhub/companionhub/envflag"
)

// Feature is the configuration of one feature's backend: which backend, and the settings every
// backend of the feature reads. Bound under a prefix (envprefix:"IMAGE_"), it is the variables
// PROVIDER, BASE_URL, API_KEY, MODEL and TIMEOUT of that feature, with help that speaks of it.
type Feature struct {
	Settings
	help    FeatureHelp
	choices []string
}

// FeatureHelp is the help text of a feature's variables. In Provider, "%s" stands for the
// backends a build has (see WithChoices).
type FeatureHelp struct {
	Provider, BaseURL, APIKey, Model, Timeout string
}

// NewFeature is a feature's configuration with defaults s.
func NewFeature(s Settings, h FeatureHelp) Feature { return Feature{Settings: s, help: h} }

// WithChoices is f with the names of the backends a build has, which the help of its provider
// variable lists: adding a backend changes the help without anyone editing it.
func (f Feature) WithChoices(names ...string) Feature {
	f.choices = slices.Clone(names)
	return f
}

func (f *Feature) providerHelp() string {
	return strings.ReplaceAll(f.help.Provider, "%s", strings.Join(f.choices, ", "))
}

// EnvMembers binds the settings (Feature is an envflag.Group). Field errors use the Settings field
// names: Provider, BaseURL, APIKey, Model, Timeout.
func (f *Feature) EnvMembers() []envflag.Member {
	return []envflag.Member{
		{Name: "Provider", Env: "PROVIDER", Help: f.providerHelp(), Value: &f.Provider},
		{Name: "BaseURL", Env: "BASE_URL", Help: f.help.BaseURL, Value: &f.BaseURL},
		{Name: "APIKey", Env: "API_KEY", Help: f.help.APIKey, Value: &f.APIKey},
		{Name: "Model", Env: "MODEL", Help: f.help.Model, Value: &f.Model},
		{Name: "Timeout", Env: "TIMEOUT", Help: f.help.Timeout, Value: &f.Timeout},
	}
}
