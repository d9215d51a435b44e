package backend

import (
	"sort"

	"github.com/companionhub/companionhub/envflag"
)

// Configs holds the own settings of the backends a binary links, for every feature: filled with
// defaults by the catalogues (Catalog.Defaults), then by the environment and flags (it is an
// envflag group: each backend's fields are variables of their own, such as
// COMPANIONHUB_COMFYUI_WORKFLOW), read by the catalogues when a backend is checked and opened.
// The zero value is empty and ready to use; copies made once it holds settings share them.
type Configs struct {
	m map[string]Config
}

// key names a backend's own settings in the Configs, and is where their fields are reported in
// field errors, relative to the Configs.
func key(feature, name string) string { return feature + "-" + name }

// Set replaces the own settings of a backend (cfg must be the kind its Config function returns).
func (cs *Configs) Set(feature, name string, cfg Config) {
	if cs.m == nil {
		cs.m = map[string]Config{}
	}
	cs.m[key(feature, name)] = cfg
}

// Get returns the own settings of a backend, nil when there are none.
func (cs Configs) Get(feature, name string) Config { return cs.m[key(feature, name)] }

// EnvMembers binds every backend's own settings, flattened: their fields carry their whole
// variable names.
func (cs Configs) EnvMembers() []envflag.Member {
	keys := make([]string, 0, len(cs.m))
	for k := range cs.m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]envflag.Member, 0, len(keys))
	for _, k := range keys {
		out = append(out, envflag.Member{Name: k, Value: cs.m[k]})
	}
	return out
}
