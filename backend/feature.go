package backend

import "github.com/companionhub/companionhub/envflag"

// Feature is the configuration of one feature's backend: which backend, and the settings every
// backend of the feature reads. Bound under a prefix (envprefix:"IMAGE_"), it is the variables
// PROVIDER, BASE_URL, API_KEY, MODEL and TIMEOUT of that feature, with help that speaks of it.
type Feature struct {
	Settings
	help FeatureHelp
}

// FeatureHelp is the help text of a feature's variables.
type FeatureHelp struct {
	Provider, BaseURL, APIKey, Model, Timeout string
}

// NewFeature is a feature's configuration with defaults s.
func NewFeature(s Settings, h FeatureHelp) Feature { return Feature{Settings: s, help: h} }

// EnvMembers binds the settings (Feature is an envflag.Group). Field errors use the Settings field
// names: Provider, BaseURL, APIKey, Model, Timeout.
func (f *Feature) EnvMembers() []envflag.Member {
	return []envflag.Member{
		{Name: "Provider", Env: "PROVIDER", Help: f.help.Provider, Value: &f.Provider},
		{Name: "BaseURL", Env: "BASE_URL", Help: f.help.BaseURL, Value: &f.BaseURL},
		{Name: "APIKey", Env: "API_KEY", Help: f.help.APIKey, Value: &f.APIKey},
		{Name: "Model", Env: "MODEL", Help: f.help.Model, Value: &f.Model},
		{Name: "Timeout", Env: "TIMEOUT", Help: f.help.Timeout, Value: &f.Timeout},
	}
}
