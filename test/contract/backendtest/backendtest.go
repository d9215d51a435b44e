// Package backendtest is the conformance suite of backend descriptors (backend.Backend): what a
// catalogue needs of every backend it lists, whatever its feature. Every adapter that describes
// itself runs it, and goes on to use the port it returns:
//
//	func TestBackend(t *testing.T) {
//		t.Parallel()
//		gen := backendtest.Open(t, "image", placeholder.Backend(), backend.Settings{Provider: "offline"})
//		…
//	}
//
// What it checks:
//   - the backend has a name and an Open function (the catalogue takes it);
//   - its own settings, if it has any, are a fresh copy on every call (one hub's changes never reach
//     another's) and valid as they come (the defaults must start a hub) — unless the backend needs
//     a setting no default can give (a secret of the operator's), when the test gives its own;
//   - settings that choose it, with its default own settings (or the test's), pass the catalogue's
//     check and open it, and the cleanup Open returns runs without trouble.
package backendtest

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
)

// Open runs the suite on b, a backend of feature, with the settings s that choose it (a zero
// Timeout is a minute), and returns the port it opened, released when the test ends.
//
// own, when given, are the backend's own settings to open it with, for a backend whose defaults
// cannot be valid (one that needs a secret); they must be valid.
func Open[P any](t *testing.T, feature string, b backend.Backend[P], s backend.Settings, own ...backend.Config) P {
	t.Helper()
	require.NotEmpty(t, b.Name, "a backend has a name")
	require.NotNil(t, b.Open, "a backend opens")
	require.Equal(t, b.Name, s.Provider, "the settings choose the backend under test")
	if s.Timeout == 0 {
		s.Timeout = time.Minute
	}
	if b.Config != nil {
		first, second := b.Config(), b.Config()
		require.NotNil(t, first, "Config returns the backend's own settings")
		if v := reflect.ValueOf(first); v.Kind() == reflect.Pointer {
			require.NotEqual(t, v.Pointer(), reflect.ValueOf(second).Pointer(),
				"each call to Config returns a fresh copy of the defaults")
		}
		if len(own) == 0 {
			require.NoError(t, first.Validate(), "the default own settings are valid")
		}
	}

	cat := backend.NewCatalog(feature, b)
	var cs backend.Configs
	cat.Defaults(&cs)
	for _, o := range own {
		require.NoError(t, o.Validate(), "the test's own settings are valid")
		cs.Set(feature, b.Name, o)
	}
	require.NoError(t, cat.Check(s, cs, "Feature", "Backends"))
	p, cleanup, err := cat.Open(t.Context(), s, cs, backend.Deps{})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	return p
}
