package openai

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/companionhub/companionhub/backend"
	"github.com/companionhub/companionhub/test/contract/backendtest"
	"github.com/companionhub/companionhub/test/fakes/openaifake"
	"github.com/companionhub/companionhub/usecase/llm"
)

func TestBackendDescriptor(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(t)
	m := backendtest.Open(t, "llm", Backend(), backend.Settings{Provider: "openai", BaseURL: fake.URL(),
		Model: openaifake.DefaultModel})
	reply, _, err := m.Complete(t.Context(), llm.Request{Messages: []llm.Message{{Role: llm.User, Content: "hello"}}})
	require.NoError(t, err)
	require.NotEmpty(t, reply)
}
