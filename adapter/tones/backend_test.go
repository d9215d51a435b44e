package tones

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/usecase/voice"
)

// TestBackendOpensWithoutSettings: the offline backend is chosen precisely when nothing is
// configured, so empty settings must open it.
func TestBackendOpensWithoutSettings(t *testing.T) {
	t.Parallel()
	b := Backend()
	assert.Equal(t, "offline", b.Name)
	assert.Nil(t, b.Config, "the tones have no settings of their own")
	syn := backendtest.Open(t, "voice", b, backend.Settings{Provider: "offline"})
	a, err := syn.Synthesize(t.Context(), voice.Request{Text: "hello"})
	require.NoError(t, err)
	assert.NotEmpty(t, a.Data)
}
