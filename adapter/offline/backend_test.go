package offline

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/usecase/llm"
)

// TestBackendOpensWithDefaults: the offline model is chosen precisely when nothing is configured,
// so its defaults and empty feature settings must open it.
func TestBackendOpensWithDefaults(t *testing.T) {
	t.Parallel()
	b := Backend()
	assert.Equal(t, "offline", b.Name)
	m := backendtest.Open(t, "llm", b, backend.Settings{Provider: "offline"})
	require.IsType(t, &Model{}, m)
	reply, _, err := m.Complete(t.Context(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hello"}}})
	require.NoError(t, err)
	assert.NotEmpty(t, reply)
}
