package tones

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/usecase/voice"
)

// TestBackendOpensWithoutSettings: the offline backend is chosen precisely when nothing is
// configured, so empty settings must open it.
func TestBackendOpensWithoutSettings(t *testing.T) {
	t.Parallel()
	b := Backend()
	assert.Equal(t, "offline", b.Name)
	assert.Nil(t, b.Config, "the tones have no settings of their own")
	cat := backend.NewCatalog("voice", b)
	s := backend.Settings{Provider: "offline", Timeout: time.Minute}
	require.NoError(t, cat.Check(s, backend.Configs{}, "Feature", "Backends"))
	syn, cleanup, err := cat.Open(t.Context(), s, backend.Configs{}, backend.Deps{})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	a, err := syn.Synthesize(t.Context(), voice.Request{Text: "hello"})
	require.NoError(t, err)
	assert.NotEmpty(t, a.Data)
}
