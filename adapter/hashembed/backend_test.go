package hashembed

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/domain"
	"github.com/companionhub/companionhub/envflag"
	"github.com/companionhub/companionhub/test/contract/backendtest"
)

func TestBackendDefaultsOpen(t *testing.T) {
	t.Parallel()
	b := Backend()
	assert.Equal(t, "offline", b.Name)
	first := b.Config()
	first.(*Config).Dimensions = 32
	assert.Equal(t, &Config{Dimensions: 256}, b.Config(), "each call returns a fresh copy of the defaults")

	e := backendtest.Open(t, "embedding", b, backend.Settings{Provider: "offline"})
	vs, err := e.Embed(t.Context(), []string{"hello"})
	require.NoError(t, err)
	assert.Len(t, vs[0], 256)
}

func TestBackendUsesItsOwnSettings(t *testing.T) {
	t.Parallel()
	cat := backend.NewCatalog("embedding", Backend())
	var cs backend.Configs
	cs.Set("embedding", "offline", &Config{Dimensions: 64})
	e, _, err := cat.Open(t.Context(), backend.Settings{Provider: "offline", Timeout: time.Minute}, cs, backend.Deps{})
	require.NoError(t, err)
	vs, err := e.Embed(t.Context(), []string{"hello"})
	require.NoError(t, err)
	assert.Len(t, vs[0], 64)
}

// TestBackendRefusesBadSettings: Check names the field, and Open errs rather than panicking if a
// caller skipped Check.
func TestBackendRefusesBadSettings(t *testing.T) {
	t.Parallel()
	cat := backend.NewCatalog("embedding", Backend())
	var cs backend.Configs
	cs.Set("embedding", "offline", &Config{Dimensions: 8})
	s := backend.Settings{Provider: "offline", Timeout: time.Minute}
	var fe *envflag.FieldError
	require.ErrorAs(t, cat.Check(s, cs, "Feature", "Backends"), &fe)
	assert.Contains(t, fe.Path, "Dimensions")

	_, _, err := cat.Open(t.Context(), s, cs, backend.Deps{})
	require.ErrorAs(t, err, &fe)

	_, _, err = Backend().Open(t.Context(), s, DefaultConfig(), backend.Deps{}) // a value, not a pointer
	require.Error(t, err)
	assert.Equal(t, domain.KindInternal, domain.KindOf(err))
}
