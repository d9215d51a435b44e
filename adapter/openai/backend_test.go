package openai

import (
	"strings"
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

// A bad timeout is reported once, by the catalogue, not again by the client's own checks.
func TestBackendReportsABadTimeoutOnce(t *testing.T) {
	t.Parallel()
	cat := backend.NewCatalog("llm", Backend())
	var cs backend.Configs
	cat.Defaults(&cs)
	err := cat.Check(backend.Settings{Provider: "openai", BaseURL: "http://127.0.0.1:1/v1", Model: "m"}, cs, "LLM", "Backends")
	require.Error(t, err)
	require.Equal(t, 1, strings.Count(err.Error(), "LLM.Timeout"), "%v", err)
}
