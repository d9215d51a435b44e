package placeholder

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/usecase/picture"
)

// TestBackendOpensWithoutSettings: the offline backend is chosen precisely when nothing is
// configured, so empty settings must open it.
func TestBackendOpensWithoutSettings(t *testing.T) {
	t.Parallel()
	b := Backend()
	assert.Equal(t, "offline", b.Name)
	assert.Nil(t, b.Config, "the placeholder has no settings of its own")
	g := backendtest.Open(t, "image", b, backend.Settings{Provider: "offline"})
	res, err := g.Generate(t.Context(), picture.Request{Prompt: "x", Width: 64, Height: 64, Seed: 1}, nil)
	require.NoError(t, err)
	assert.NotEmpty(t, res.Data)
}
