package backend_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/envflag"
)

// port stands for a feature's port; each opened value records what its backend was given, so a
// test can tell which backend was opened and with what.
type port struct {
	backend string
	s       backend.Settings
	own     backend.Config
	deps    backend.Deps
	ctx     context.Context
}

// comfyConfig is a backend's own settings as an adapter would write them: tagged, defaulted by
// the backend's Config function, checked by Validate with paths relative to the struct.
type comfyConfig struct {
	Workflow string `env:"COMFYUI_WORKFLOW" help:"workflow file"`
}

func (c *comfyConfig) Validate() error {
	if !strings.HasSuffix(c.Workflow, ".json") {
		return envflag.Fieldf("Workflow", "must be a .json file, got %q", c.Workflow)
	}
	return nil
}

// opener builds an Open function that reports the backend's name, so replacements are visible.
func opener(name string) func(context.Context, backend.Settings, backend.Config, backend.Deps) (*port, func(), error) {
	return func(ctx context.Context, s backend.Settings, own backend.Config, d backend.Deps) (*port, func(), error) {
		return &port{backend: name, s: s, own: own, deps: d, ctx: ctx}, nil, nil
	}
}

// offline has no own settings and accepts any feature settings.
func offline() backend.Backend[*port] {
	return backend.Backend[*port]{Name: "offline", Open: opener("offline")}
}

// comfy has own settings (default valid) and needs a base URL.
func comfy() backend.Backend[*port] {
	return backend.Backend[*port]{
		Name:   "comfyui",
		Config: func() backend.Config { return &comfyConfig{Workflow: "default.json"} },
		Validate: func(s backend.Settings) error {
			if s.BaseURL == "" {
				return envflag.Field("BaseURL", "comfyui needs a server address")
			}
			return nil
		},
		Open: opener("comfyui"),
	}
}

func validSettings(provider string) backend.Settings {
	return backend.Settings{Provider: provider, BaseURL: "http://gpu:8188", Model: "sdxl", Timeout: time.Minute}
}

// fieldErrors flattens err (joined, possibly nested) into its FieldErrors by path, and fails the
// test on any other kind of leaf: Check promises field errors only, since the binary explains them
// by variable name.
func fieldErrors(t *testing.T, err error) map[string]error {
	t.Helper()
	out := map[string]error{}
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var fe *envflag.FieldError
		if !errors.As(e, &fe) {
			t.Errorf("not a field error: %v", e)
			return
		}
		_, dup := out[fe.Path]
		assert.False(t, dup, "two errors at %s", fe.Path)
		out[fe.Path] = fe.Err
	}
	if err != nil {
		walk(err)
	}
	return out
}

func TestNewCatalogKeepsTheOrderGiven(t *testing.T) {
	t.Parallel()
	c := backend.NewCatalog("image", comfy(), offline())
	assert.Equal(t, "image", c.Feature())
	// The order is what an unknown-provider message lists; it must not be sorted or shuffled.
	assert.Equal(t, []string{"comfyui", "offline"}, c.Names())

	empty := backend.NewCatalog[*port]("llm")
	assert.Equal(t, "llm", empty.Feature())
	assert.Empty(t, empty.Names())
}

func TestWithReplacesABackendOfTheSameName(t *testing.T) {
	t.Parallel()
	base := backend.NewCatalog("image", offline(), comfy())
	swapped := backend.Backend[*port]{Name: "offline", Open: opener("embedder's offline")}
	c := base.With(swapped, backend.Backend[*port]{Name: "a1111", Open: opener("a1111")})

	// The replacement keeps the place of the one it replaces; new names go last.
	assert.Equal(t, []string{"offline", "comfyui", "a1111"}, c.Names())
	b, ok := c.Lookup("offline")
	require.True(t, ok)
	p, _, err := b.Open(t.Context(), backend.Settings{}, nil, backend.Deps{})
	require.NoError(t, err)
	assert.Equal(t, "embedder's offline", p.backend)

	// With returns a new catalogue: one built once at start may be extended by several embedders.
	assert.Equal(t, []string{"offline", "comfyui"}, base.Names())
	b, ok = base.Lookup("offline")
	require.True(t, ok)
	p, _, err = b.Open(t.Context(), backend.Settings{}, nil, backend.Deps{})
	require.NoError(t, err)
	assert.Equal(t, "offline", p.backend)
}

func TestWithLaterDuplicateInOneCallWins(t *testing.T) {
	t.Parallel()
	c := backend.NewCatalog("image",
		backend.Backend[*port]{Name: "x", Open: opener("first")},
		backend.Backend[*port]{Name: "x", Open: opener("second")})
	assert.Equal(t, []string{"x"}, c.Names())
	b, ok := c.Lookup("x")
	require.True(t, ok)
	p, _, err := b.Open(t.Context(), backend.Settings{}, nil, backend.Deps{})
	require.NoError(t, err)
	assert.Equal(t, "second", p.backend)
}

func TestWithPanicsOnAProgrammingError(t *testing.T) {
	t.Parallel()
	open := opener("x")
	cases := []struct {
		name string
		b    backend.Backend[*port]
	}{
		{"empty name", backend.Backend[*port]{Open: open}},
		// A dot would split the backend's path in field errors; a space could not be typed in a
		// PROVIDER variable without quoting.
		{"dot in the name", backend.Backend[*port]{Name: "comfy.ui", Open: open}},
		{"space in the name", backend.Backend[*port]{Name: "comfy ui", Open: open}},
		{"no Open", backend.Backend[*port]{Name: "comfyui"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Panics(t, func() { backend.NewCatalog("image", tc.b) }, "NewCatalog")
			assert.Panics(t, func() { backend.NewCatalog("image", offline()).With(tc.b) }, "With")
		})
	}
}

func TestWithPanicMessageNamesFeatureAndBackend(t *testing.T) {
	t.Parallel()
	defer func() {
		r := recover()
		require.NotNil(t, r)
		msg, ok := r.(string)
		require.True(t, ok, "panic value %T", r)
		assert.Contains(t, msg, "image")
		assert.Contains(t, msg, `"comfy.ui"`)
	}()
	backend.NewCatalog("image", backend.Backend[*port]{Name: "comfy.ui", Open: opener("x")})
}

func TestLookup(t *testing.T) {
	t.Parallel()
	c := backend.NewCatalog("image", offline(), comfy())
	b, ok := c.Lookup("comfyui")
	require.True(t, ok)
	assert.Equal(t, "comfyui", b.Name)
	require.NotNil(t, b.Config, "the descriptor comes back whole")

	for _, name := range []string{"", "ComfyUI", "comfy", "nosuch"} {
		b, ok := c.Lookup(name)
		assert.False(t, ok, "Lookup(%q)", name)
		assert.Equal(t, "", b.Name, "Lookup(%q) returns the zero backend", name)
	}
}

func TestDefaultsAddsEachBackendsOwnSettings(t *testing.T) {
	t.Parallel()
	type speechConfig struct{ comfyConfig }
	images := backend.NewCatalog("image", offline(), comfy())
	// A backend of another feature may share a name: its settings are kept apart.
	voices := backend.NewCatalog("voice", backend.Backend[*port]{
		Name:   "comfyui",
		Config: func() backend.Config { return &speechConfig{comfyConfig{Workflow: "speech.json"}} },
		Open:   opener("voice comfyui"),
	})

	var cs backend.Configs
	images.Defaults(&cs)
	voices.Defaults(&cs)

	assert.Equal(t, &comfyConfig{Workflow: "default.json"}, cs.Get("image", "comfyui"))
	assert.Equal(t, &speechConfig{comfyConfig{Workflow: "speech.json"}}, cs.Get("voice", "comfyui"))
	assert.Nil(t, cs.Get("image", "offline"), "a backend without own settings adds nothing")
	assert.Len(t, cs.EnvMembers(), 2, "only backends with own settings become members")

	// Each call asks the backend for a fresh copy: two hubs in one process must not share one.
	var other backend.Configs
	images.Defaults(&other)
	assert.NotSame(t, cs.Get("image", "comfyui"), other.Get("image", "comfyui"))
}

func TestCheck(t *testing.T) {
	t.Parallel()
	catalog := backend.NewCatalog("image", offline(), comfy(),
		// strict's own defaults are invalid, so checking it with no Configs shows the defaults
		// are what is validated then.
		backend.Backend[*port]{
			Name:   "strict",
			Config: func() backend.Config { return &comfyConfig{} },
			Open:   opener("strict"),
		},
		// broken never passes: it must not be asked about settings that choose another backend.
		backend.Backend[*port]{
			Name:     "broken",
			Config:   func() backend.Config { return &comfyConfig{Workflow: "bad"} },
			Validate: func(backend.Settings) error { return envflag.Field("Model", "never valid") },
			Open:     opener("broken"),
		})
	filled := backend.Configs{}
	catalog.Defaults(&filled)
	badOwn := backend.Configs{}
	badOwn.Set("image", "comfyui", &comfyConfig{Workflow: "portrait.txt"})

	with := func(f func(*backend.Settings)) backend.Settings {
		s := validSettings("comfyui")
		f(&s)
		return s
	}
	cases := []struct {
		name string
		s    backend.Settings
		cs   backend.Configs
		want map[string]string // path → message
	}{
		{"valid with the Configs", validSettings("comfyui"), filled, map[string]string{}},
		{"valid with defaults", validSettings("comfyui"), backend.Configs{}, map[string]string{}},
		{"backend without own settings or Validate", backend.Settings{Provider: "offline", Timeout: time.Second},
			badOwn, map[string]string{}},
		{"zero timeout", with(func(s *backend.Settings) { s.Timeout = 0 }), filled,
			map[string]string{"Image.Timeout": "must be positive, got 0s"}},
		{"negative timeout", with(func(s *backend.Settings) { s.Timeout = -time.Second }), filled,
			map[string]string{"Image.Timeout": "must be positive, got -1s"}},
		{"backend's Validate", with(func(s *backend.Settings) { s.BaseURL = "" }), filled,
			map[string]string{"Image.BaseURL": "comfyui needs a server address"}},
		{"own settings from the Configs", validSettings("comfyui"), badOwn,
			map[string]string{"Backends.image-comfyui.Workflow": `must be a .json file, got "portrait.txt"`}},
		{"own defaults when the Configs have none", validSettings("strict"), backend.Configs{},
			map[string]string{"Backends.image-strict.Workflow": `must be a .json file, got ""`}},
		{"every problem at once", backend.Settings{Provider: "comfyui"}, badOwn, map[string]string{
			"Image.Timeout":                   "must be positive, got 0s",
			"Image.BaseURL":                   "comfyui needs a server address",
			"Backends.image-comfyui.Workflow": `must be a .json file, got "portrait.txt"`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := catalog.Check(tc.s, tc.cs, "Image", "Backends")
			got := map[string]string{}
			for path, e := range fieldErrors(t, err) {
				got[path] = e.Error()
			}
			assert.Equal(t, tc.want, got)
			if len(tc.want) == 0 {
				assert.NoError(t, err)
			}
		})
	}
}

func TestCheckUnknownProvider(t *testing.T) {
	t.Parallel()
	catalog := backend.NewCatalog("image", offline(), comfy())
	for _, provider := range []string{"nosuch", "", "Offline"} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			// The timeout is bad too, but with no backend there is nothing else to check: the
			// operator is told only what to fix first.
			err := catalog.Check(backend.Settings{Provider: provider}, backend.Configs{}, "Image", "Backends")
			require.Error(t, err)
			require.ErrorIs(t, err, backend.ErrUnknown)
			fes := fieldErrors(t, err)
			require.Equal(t, []string{"Image.Provider"}, keys(fes))
			msg := fes["Image.Provider"].Error()
			assert.Contains(t, msg, `"`+provider+`"`, "names what was asked for")
			assert.Contains(t, msg, "offline, comfyui", "lists the catalogue, in its order")
		})
	}
}

func TestCheckLeavesOtherErrorsOfValidateAsTheyAre(t *testing.T) {
	t.Parallel()
	// A Validate that does not return field errors breaks its contract; its error must still reach
	// the operator rather than vanish.
	plain := errors.New("no GPU")
	c := backend.NewCatalog("image", backend.Backend[*port]{
		Name:     "gpu",
		Validate: func(backend.Settings) error { return plain },
		Open:     opener("gpu"),
	})
	err := c.Check(validSettings("gpu"), backend.Configs{}, "Image", "Backends")
	require.ErrorIs(t, err, plain)
}

func TestOpen(t *testing.T) {
	t.Parallel()
	catalog := backend.NewCatalog("image", offline(), comfy())
	type ctxKey struct{}
	ctx := context.WithValue(t.Context(), ctxKey{}, "hub")
	deps := backend.Deps{HTTP: &http.Client{}, Log: zap.NewNop()}

	t.Run("own settings from the Configs", func(t *testing.T) {
		t.Parallel()
		var cs backend.Configs
		catalog.Defaults(&cs)
		cs.Get("image", "comfyui").(*comfyConfig).Workflow = "portrait.json"
		s := validSettings("comfyui")
		p, cleanup, err := catalog.Open(ctx, s, cs, deps)
		require.NoError(t, err)
		require.NotNil(t, cleanup, "a nil cleanup becomes a no-op, so callers can defer it")
		cleanup()
		assert.Equal(t, "comfyui", p.backend)
		assert.Equal(t, s, p.s)
		assert.Same(t, cs.Get("image", "comfyui"), p.own, "the very settings the environment was applied to")
		assert.Same(t, deps.HTTP, p.deps.HTTP)
		assert.Same(t, deps.Log, p.deps.Log)
		assert.Equal(t, "hub", p.ctx.Value(ctxKey{}))
	})
	t.Run("own defaults when the Configs have none", func(t *testing.T) {
		t.Parallel()
		p, _, err := catalog.Open(ctx, validSettings("comfyui"), backend.Configs{}, deps)
		require.NoError(t, err)
		assert.Equal(t, &comfyConfig{Workflow: "default.json"}, p.own)
	})
	t.Run("no own settings", func(t *testing.T) {
		t.Parallel()
		var cs backend.Configs
		catalog.Defaults(&cs)
		p, _, err := catalog.Open(ctx, validSettings("offline"), cs, deps)
		require.NoError(t, err)
		assert.Equal(t, "offline", p.backend)
		assert.Nil(t, p.own)
	})
	t.Run("unknown provider", func(t *testing.T) {
		t.Parallel()
		p, cleanup, err := catalog.Open(ctx, validSettings("nosuch"), backend.Configs{}, deps)
		require.ErrorIs(t, err, backend.ErrUnknown)
		assert.Contains(t, err.Error(), "image")
		assert.Contains(t, err.Error(), `"nosuch"`)
		assert.Contains(t, err.Error(), "offline, comfyui")
		assert.Nil(t, p)
		assert.Nil(t, cleanup)
	})
}

func TestOpenWrapsTheBackendsError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection refused")
	released := false
	c := backend.NewCatalog("image", backend.Backend[*port]{
		Name: "comfyui",
		Open: func(context.Context, backend.Settings, backend.Config, backend.Deps) (*port, func(), error) {
			return &port{backend: "half-open"}, func() { released = true }, boom
		},
	})
	p, cleanup, err := c.Open(t.Context(), validSettings("comfyui"), backend.Configs{}, backend.Deps{})
	require.ErrorIs(t, err, boom)
	assert.EqualError(t, err, "open the image backend comfyui: connection refused")
	assert.Nil(t, p, "a failed open returns no port")
	assert.Nil(t, cleanup)
	// Catalog.Open drops the cleanup of a failed Open without calling it: backends must release
	// what they opened before returning an error.
	assert.False(t, released)
}

func TestOpenPassesTheBackendsCleanup(t *testing.T) {
	t.Parallel()
	calls := 0
	c := backend.NewCatalog("llm", backend.Backend[*port]{
		Name: "openai",
		Open: func(context.Context, backend.Settings, backend.Config, backend.Deps) (*port, func(), error) {
			return &port{backend: "openai"}, func() { calls++ }, nil
		},
	})
	_, cleanup, err := c.Open(t.Context(), validSettings("openai"), backend.Configs{}, backend.Deps{})
	require.NoError(t, err)
	assert.Zero(t, calls, "opening must not release")
	cleanup()
	assert.Equal(t, 1, calls)
}

func keys(m map[string]error) []string {
	var out []string
	for k := range maps.Keys(m) {
		out = append(out, k)
	}
	return out
}

type swappedCfg struct {
	Depth int `env:"SWAPPED_DEPTH" help:"how deep"`
}

func (swappedCfg) Validate() error { return nil }

// An embedder that replaces the backend behind a name gets the new backend's settings, not the
// old one's, once the catalogue's defaults are applied again.
func TestDefaultsFollowABackendSwappedBehindItsName(t *testing.T) {
	t.Parallel()
	orig := backend.Backend[*port]{Name: "offline", Config: func() backend.Config { return &comfyConfig{} },
		Open: func(context.Context, backend.Settings, backend.Config, backend.Deps) (*port, func(), error) {
			return nil, nil, nil
		}}
	var got backend.Config
	swapped := backend.Backend[*port]{Name: "offline", Config: func() backend.Config { return &swappedCfg{Depth: 3} },
		Open: func(_ context.Context, _ backend.Settings, own backend.Config, _ backend.Deps) (*port, func(), error) {
			got = own
			return nil, nil, nil
		}}
	var cs backend.Configs
	backend.NewCatalog("image", orig).Defaults(&cs)
	cat := backend.NewCatalog("image", orig).With(swapped)
	cat.Defaults(&cs)
	_, _, err := cat.Open(t.Context(), backend.Settings{Provider: "offline", Timeout: time.Second}, cs, backend.Deps{})
	require.NoError(t, err)
	require.Equal(t, &swappedCfg{Depth: 3}, got)
}
